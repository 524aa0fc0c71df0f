// Checks docker-compose.yml, .env.example and the Dockerfile as far as this machine can without a Docker engine.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { documentedSettings } from "@lineup/testkit";
import { requireBinary } from "./packages/testkit/src/binaries";

type Service = {
  image?: string;
  env_file?: string | string[];
  environment?: Record<string, string>;
  build?: { target?: string };
  command?: string[];
  volumes?: string[];
  ports?: string[];
  container_name?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  stop_grace_period?: string;
};

const compose = Bun.YAML.parse(await Bun.file(`${import.meta.dir}/docker-compose.yml`).text()) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** .env.example with every commented `# NAME=default` line switched on, the two secrets filled in, then `extra`. */
async function dotenvFromExample(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const example = await Bun.file(`${import.meta.dir}/.env.example`).text();
  const values: Record<string, string> = {};
  for (const m of example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/gm)) values[m[1] as string] = m[2] as string;
  return { ...values, JWT_SECRET: "x".repeat(40), GRAFANA_ADMIN_PASSWORD: "check", ...extra };
}

const projects: string[] = [];
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

/** `docker-compose config` on this compose file in a temp project dir holding `dotenv` as its .env (none if null), so
 * the check neither needs nor touches a .env in the repo. Relative paths resolve in the temp dir; config reads no
 * file behind them except .env. */
function composeConfig(dotenv: Record<string, string> | null, ...args: string[]) {
  const bin = requireBinary("docker-compose", "apt-get install -y docker-compose");
  const project = mkdtempSync(join(tmpdir(), "lineup-compose-"));
  projects.push(project);
  if (dotenv) {
    const text = Object.entries(dotenv).map(([k, v]) => `${k}=${v}\n`);
    writeFileSync(join(project, ".env"), text.join(""));
  }
  const run = Bun.spawnSync(
    [bin, "-f", join(import.meta.dir, "docker-compose.yml"), "--project-directory", project, "config", ...args],
    { env: { PATH: process.env.PATH ?? "" } },
  );
  return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

describe("docker-compose.yml", () => {
  it("passes docker-compose config -q with a .env made from .env.example", async () => {
    const check = composeConfig(await dotenvFromExample(), "-q");
    expect(check.stderr).toBe("");
    expect(check.exitCode).toBe(0);
  });

  it("refuses to start without JWT_SECRET or GRAFANA_ADMIN_PASSWORD in .env", async () => {
    for (const secret of ["JWT_SECRET", "GRAFANA_ADMIN_PASSWORD"]) {
      const check = composeConfig(await dotenvFromExample({ [secret]: "" }), "-q");
      expect(check.exitCode).not.toBe(0);
      expect(check.stderr).toContain(`set ${secret}`);
    }
  });

  it("has the api and the worker read .env (env_file)", () => {
    for (const name of ["api", "worker"]) expect([services[name]?.env_file].flat()).toEqual([".env"]);
  });

  it("passes every documented setting from .env to the api and the worker, except the ones compose owns", async () => {
    const dotenv = await dotenvFromExample({
      JOB_TIMEOUT_MS: "1234",
      LOG_FORMAT: "pretty",
      MONGO_DB: "elsewhere",
      WORKER_CONCURRENCY: "7",
      WORKER_ID: "one-for-all",
      MONGO_URL: "mongodb://not-compose:1",
    });
    const check = composeConfig(dotenv);
    expect(check.exitCode).toBe(0);
    const resolved = (Bun.YAML.parse(check.stdout) as typeof compose).services;
    const owned: Record<string, Record<string, string>> = {
      api: { NODE_ENV: "production", HOST: "0.0.0.0", PORT: "3000" },
      worker: { NODE_ENV: "production", HOST: "0.0.0.0", WORKER_METRICS_PORT: "9100", WORKER_ID: "" },
    };
    for (const name of ["api", "worker"]) {
      const env = resolved[name]?.environment ?? {};
      expect({ name, MONGO_URL: env.MONGO_URL, REDIS_URL: env.REDIS_URL }).toEqual({
        name,
        MONGO_URL: "mongodb://mongo:27017",
        REDIS_URL: "redis://redis:6379",
      });
      for (const setting of await documentedSettings()) {
        if (setting === "MONGO_URL" || setting === "REDIS_URL") continue;
        const expected = owned[name]?.[setting] ?? dotenv[setting];
        expect({ name, setting, value: String(env[setting]) }).toEqual({ name, setting, value: String(expected) });
      }
    }
  });

  it("runs the six services", () => {
    expect(Object.keys(services).sort()).toEqual(["api", "grafana", "mongo", "prometheus", "redis", "worker"]);
  });

  it("gives every service a healthcheck or starts it only once its dependencies are healthy", () => {
    for (const [name, service] of Object.entries(services)) {
      const gated =
        service.depends_on !== undefined &&
        !Array.isArray(service.depends_on) &&
        Object.values(service.depends_on).every((d) => d.condition === "service_healthy");
      expect({ name, ok: Boolean(service.healthcheck) || gated }).toEqual({ name, ok: true });
    }
  });

  it("keeps MongoDB and Redis data in named volumes", () => {
    expect(services.mongo?.volumes).toContain("mongo-data:/data/db");
    expect(services.redis?.volumes).toContain("redis-data:/data");
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(["mongo-data", "redis-data"]));
  });

  it("runs Redis with AOF fsynced every second and no eviction", () => {
    const command = (services.redis?.command ?? []).join(" ");
    expect(command).toContain("--appendonly yes");
    expect(command).toContain("--appendfsync everysec");
    expect(command).toContain("--maxmemory-policy noeviction");
  });

  it("can scale the worker: no fixed name, no host port, a stop grace longer than its job grace", () => {
    const worker = services.worker as Service;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(Number.parseInt(worker.stop_grace_period ?? "10s", 10)).toBeGreaterThan(10);
  });

  it("builds api and worker from the Dockerfile's own targets", () => {
    expect(services.api?.build?.target).toBe("api");
    expect(services.worker?.build?.target).toBe("worker");
  });
});

describe(".env.example", () => {
  it("lists every setting in the configuration table (docs/configuration.md)", async () => {
    const listed = Object.keys(await dotenvFromExample());
    expect((await documentedSettings()).filter((setting) => !listed.includes(setting))).toEqual([]);
  });
});

describe("Dockerfile", () => {
  const dockerfile = Bun.file(`${import.meta.dir}/Dockerfile`).text();

  it("builds on the official Bun image, compiles, runs as non-root with a healthcheck per target", async () => {
    const text = await dockerfile;
    expect(text).toMatch(/^FROM oven\/bun:1\.4\.5 AS build$/m);
    expect(text).toContain("bun build --compile");
    expect(text).toMatch(/^USER 65532:65532$/m);
    for (const target of ["api", "worker"]) {
      expect(text).toMatch(new RegExp(`^FROM runtime AS ${target}$`, "m"));
      expect(text).toContain(
        `HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 CMD ["/app/lineup-${target}", "--healthcheck"]`,
      );
    }
  });

  it("copies the manifest of every workspace before installing", async () => {
    const text = await dockerfile;
    const workspaces = ["apps", "packages"].flatMap((dir) =>
      readdirSync(join(import.meta.dir, dir)).map((n) => `${dir}/${n}`),
    );
    expect(workspaces.length).toBeGreaterThan(5);
    for (const dir of workspaces) expect(text).toContain(`COPY ${dir}/package.json ${dir}/package.json`);
  });
});
