// Checks docker-compose.yml, .env.example and the Dockerfile as far as this machine can without a Docker engine.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileApp, documentedSettings, imageCompileFlags } from "@lineup/testkit";
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
  profiles?: string[];
};

const compose = Bun.YAML.parse(await Bun.file(`${import.meta.dir}/docker-compose.yml`).text()) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** Every `NAME=value` line of a file, the commented `# NAME=default` ones switched on. */
async function settingsOf(file: string): Promise<Record<string, string>> {
  const text = await Bun.file(`${import.meta.dir}/${file}`).text();
  const values: Record<string, string> = {};
  for (const m of text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/gm)) values[m[1] as string] = m[2] as string;
  return values;
}

/** Compose's .env (from .env.example, the two secrets filled in) and lineup.env, every default switched on. */
async function dotenvFromExample(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    ...(await settingsOf("lineup.env")),
    ...(await settingsOf(".env.example")),
    JWT_SECRET: "x".repeat(40),
    GRAFANA_ADMIN_PASSWORD: "check",
    ...extra,
  };
}

const projects: string[] = [];
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

/**
 * `docker-compose config` on this compose file in a temp project dir, so the check neither needs nor touches a .env
 * in the repo: the settings .env.example names go to its .env, the rest to its lineup.env (none of either if null).
 * Relative paths resolve in the temp dir; config reads no file behind them except those two.
 */
async function composeConfig(dotenv: Record<string, string> | null, ...args: string[]) {
  const bin = requireBinary("docker-compose", "apt-get install -y docker-compose");
  const project = mkdtempSync(join(tmpdir(), "lineup-compose-"));
  projects.push(project);
  const composeOwn = new Set(Object.keys(await settingsOf(".env.example")));
  const lines = (own: boolean) =>
    Object.entries(dotenv ?? {})
      .filter(([k]) => composeOwn.has(k) === own)
      .map(([k, v]) => `${k}=${v}\n`)
      .join("");
  if (dotenv) {
    writeFileSync(join(project, ".env"), lines(true));
    writeFileSync(join(project, "lineup.env"), lines(false));
  }
  const run = Bun.spawnSync(
    [bin, "-f", join(import.meta.dir, "docker-compose.yml"), "--project-directory", project, "config", ...args],
    { env: { PATH: process.env.PATH ?? "" } },
  );
  return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

describe("docker-compose.yml", () => {
  it("passes docker-compose config -q with a .env made from .env.example", async () => {
    const check = await composeConfig(await dotenvFromExample(), "-q");
    expect(check.stderr).toBe("");
    expect(check.exitCode).toBe(0);
  });

  it("refuses to start without JWT_SECRET or GRAFANA_ADMIN_PASSWORD in .env", async () => {
    for (const secret of ["JWT_SECRET", "GRAFANA_ADMIN_PASSWORD"]) {
      const check = await composeConfig(await dotenvFromExample({ [secret]: "" }), "-q");
      expect(check.exitCode).not.toBe(0);
      expect(check.stderr).toContain(`set ${secret}`);
    }
  });

  it("has the api and the worker read lineup.env (env_file), which holds no secret", async () => {
    for (const name of ["api", "worker"]) expect([services[name]?.env_file].flat()).toEqual(["lineup.env"]);
    const settings = Object.keys(await settingsOf("lineup.env"));
    for (const secret of ["JWT_SECRET", "METRICS_TOKEN", "GRAFANA_ADMIN_PASSWORD"])
      expect(settings).not.toContain(secret);
  });

  it("passes each secret only to the process that needs it", async () => {
    const check = await composeConfig(await dotenvFromExample({ METRICS_TOKEN: "m".repeat(20) }));
    const resolved = (Bun.YAML.parse(check.stdout) as typeof compose).services;
    const has = (name: string, secret: string) => resolved[name]?.environment?.[secret] !== undefined;
    expect(["api", "worker", "grafana"].map((n) => [n, has(n, "JWT_SECRET")])).toEqual([
      ["api", true],
      ["worker", false],
      ["grafana", false],
    ]);
    expect(["api", "worker"].map((n) => [n, resolved[n]?.environment?.METRICS_TOKEN])).toEqual([
      ["api", "m".repeat(20)],
      ["worker", "m".repeat(20)],
    ]);
    for (const name of ["api", "worker", "mongo", "redis", "prometheus"]) {
      expect(JSON.stringify(resolved[name]?.environment ?? {})).not.toContain("check");
    }
  });

  it("passes every documented setting from lineup.env and .env to the api and the worker that read it, except the ones compose owns", async () => {
    const dotenv = await dotenvFromExample({
      JOB_TIMEOUT_MS: "1234",
      LOG_FORMAT: "pretty",
      MONGO_DB: "elsewhere",
      WORKER_CONCURRENCY: "7",
      WORKER_ID: "one-for-all",
      MONGO_URL: "mongodb://not-compose:1",
    });
    const check = await composeConfig(dotenv);
    expect(check.exitCode).toBe(0);
    const resolved = (Bun.YAML.parse(check.stdout) as typeof compose).services;
    const owned: Record<string, Record<string, string>> = {
      api: { NODE_ENV: "production", HOST: "0.0.0.0", PORT: "3000" },
      worker: { NODE_ENV: "production", HOST: "0.0.0.0", WORKER_METRICS_PORT: "9100", WORKER_ID: "" },
    };
    // The secrets and compose's own settings go only where they are read: a worker signs no token, an api has no slots.
    const absent: Record<string, string[]> = { api: ["WORKER_CONCURRENCY"], worker: ["JWT_SECRET"] };
    for (const name of ["api", "worker"]) {
      const env = resolved[name]?.environment ?? {};
      expect({ name, MONGO_URL: env.MONGO_URL, REDIS_URL: env.REDIS_URL }).toEqual({
        name,
        MONGO_URL: "mongodb://mongo:27017",
        REDIS_URL: "redis://redis:6379",
      });
      for (const setting of await documentedSettings()) {
        if (setting === "MONGO_URL" || setting === "REDIS_URL") continue;
        const expected = absent[name]?.includes(setting) ? undefined : (owned[name]?.[setting] ?? dotenv[setting]);
        expect({ name, setting, value: String(env[setting]) }).toEqual({ name, setting, value: String(expected) });
      }
    }
  });

  it("runs the six services, and Jaeger only with the tracing profile", () => {
    const always = Object.entries(services).filter(([, s]) => !s.profiles?.length);
    expect(always.map(([name]) => name).sort()).toEqual(["api", "grafana", "mongo", "prometheus", "redis", "worker"]);
    expect(services.jaeger?.profiles).toEqual(["tracing"]);
  });

  it("passes docker-compose config with the tracing profile, Grafana provisioned with Jaeger", async () => {
    const check = await composeConfig(await dotenvFromExample(), "--profiles");
    expect(check.stdout.split("\n")).toContain("tracing");
    const datasource = Bun.YAML.parse(
      await Bun.file(`${import.meta.dir}/grafana/provisioning/datasources/jaeger.yml`).text(),
    ) as { datasources: { type: string; url: string }[] };
    expect(datasource.datasources[0]).toMatchObject({ type: "jaeger", url: "http://jaeger:16686" });
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

describe(".env.example and lineup.env", () => {
  it("list every setting in the configuration table (docs/configuration.md) between them", async () => {
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
    // Both binaries are built alike, with their parsed code in them (start-up: docs/benchmarks.md).
    expect(imageCompileFlags("api")).toContain("--bytecode");
    expect(imageCompileFlags("worker")).toEqual(imageCompileFlags("api"));
    expect(text).toMatch(/^USER 65532:65532$/m);
    for (const target of ["api", "worker"]) {
      expect(text).toMatch(new RegExp(`^FROM runtime AS ${target}$`, "m"));
      expect(text).toContain(
        `HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 CMD ["/app/lineup-${target}", "--healthcheck"]`,
      );
    }
  });

  it("compiles binaries that load no stray .env from their working directory", async () => {
    // The api's build command as the Dockerfile runs it, into a temp dir holding a .env with the one secret it lacks.
    const dir = mkdtempSync(join(tmpdir(), "lineup-binary-"));
    projects.push(dir);
    const outfile = join(dir, "lineup-api");
    const build = compileApp("api", outfile);
    expect(build.exitCode).toBe(0);
    writeFileSync(join(dir, ".env"), `JWT_SECRET=${"x".repeat(40)}\n`);
    const run = Bun.spawnSync([outfile], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", MONGO_URL: "mongodb://127.0.0.1:1" },
      stderr: "pipe",
      timeout: 10_000,
    });
    // It refuses to start for want of JWT_SECRET: the .env beside it was not read.
    expect(run.exitCode).toBe(1);
    expect(run.stderr.toString()).toContain("JWT_SECRET: is required when NODE_ENV=production");
  }, 30_000);

  it("copies the manifest of every workspace before installing", async () => {
    const text = await dockerfile;
    const workspaces = ["apps", "packages"].flatMap((dir) =>
      readdirSync(join(import.meta.dir, dir)).map((n) => `${dir}/${n}`),
    );
    expect(workspaces.length).toBeGreaterThan(5);
    for (const dir of workspaces) expect(text).toContain(`COPY ${dir}/package.json ${dir}/package.json`);
  });
});
