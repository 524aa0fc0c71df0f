# Lineup image for both processes: `--target api` or `--target worker` (docker-compose.yml picks one each).
FROM oven/bun:1.4.5 AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
COPY apps/api/package.json apps/api/package.json
COPY apps/worker/package.json apps/worker/package.json
COPY packages/config/package.json packages/config/package.json
COPY packages/db/package.json packages/db/package.json
COPY packages/errors/package.json packages/errors/package.json
COPY packages/log/package.json packages/log/package.json
COPY packages/testkit/package.json packages/testkit/package.json
RUN bun install --frozen-lockfile --production

FROM oven/bun:1.4.5 AS base
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules node_modules
COPY package.json bunfig.toml ./
COPY apps apps
COPY packages packages
USER bun

FROM base AS api
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD ["bun", "-e", "fetch('http://127.0.0.1:3000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["bun", "apps/api/src/index.ts"]

FROM base AS worker
EXPOSE 9100
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD ["bun", "-e", "fetch('http://127.0.0.1:9100/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["bun", "apps/worker/src/index.ts"]
