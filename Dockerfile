# Lineup images, one Dockerfile for both processes: `docker build --target api .` and `--target worker`.
# The build stage compiles each app into one self-contained binary (bun build --compile), so the runtime
# image carries no node_modules and the process starts in about half the time of `bun <source>`.

FROM oven/bun:1.4.5 AS build
WORKDIR /src
# Manifests first, so the dependency layer is reused until bun.lock changes.
COPY package.json bun.lock bunfig.toml ./
COPY apps/api/package.json apps/api/package.json
COPY apps/worker/package.json apps/worker/package.json
COPY packages/client/package.json packages/client/package.json
COPY packages/config/package.json packages/config/package.json
COPY packages/db/package.json packages/db/package.json
COPY packages/errors/package.json packages/errors/package.json
COPY packages/health/package.json packages/health/package.json
COPY packages/jobs/package.json packages/jobs/package.json
COPY packages/log/package.json packages/log/package.json
COPY packages/metrics/package.json packages/metrics/package.json
COPY packages/network-guard/package.json packages/network-guard/package.json
COPY packages/queue/package.json packages/queue/package.json
COPY packages/testkit/package.json packages/testkit/package.json
COPY packages/tracing/package.json packages/tracing/package.json
COPY packages/webhooks/package.json packages/webhooks/package.json
RUN bun install --frozen-lockfile --production
COPY apps apps
COPY packages packages
# The binaries read their settings from the environment only: no .env or bunfig.toml that happens to be in the working
# directory is loaded.
# --bytecode (with --format=esm, for the top-level await) ships the parsed code: the api is ready in about half the time.
RUN bun build --compile --minify --sourcemap --bytecode --format=esm --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
      apps/api/src/index.ts --outfile /out/lineup-api \
 && bun build --compile --minify --sourcemap --bytecode --format=esm --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
      apps/worker/src/index.ts --outfile /out/lineup-worker

# The compiled binaries need only glibc and libstdc++: the official distroless Bun image has them, and no shell.
FROM oven/bun:1.4.5-distroless AS runtime
WORKDIR /app
ENV NODE_ENV=production
# distroless "nonroot"
USER 65532:65532

FROM runtime AS api
COPY --from=build /out/lineup-api /app/lineup-api
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 CMD ["/app/lineup-api", "--healthcheck"]
ENTRYPOINT ["/app/lineup-api"]

FROM runtime AS worker
COPY --from=build /out/lineup-worker /app/lineup-worker
EXPOSE 9100
# The worker gets SHUTDOWN_GRACE_MS (10 s) to finish its job; compose gives it longer than that to stop.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 CMD ["/app/lineup-worker", "--healthcheck"]
ENTRYPOINT ["/app/lineup-worker"]
