// Checks docker-compose.yml and the Dockerfile as far as this machine can without a Docker engine.
import { describe, expect, it } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { requireBinary } from "./packages/testkit/src/binaries";

type Service = {
  image?: string;
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

describe("docker-compose.yml", () => {
  it("passes docker-compose config -q", () => {
    const bin = requireBinary("docker-compose", "apt-get install -y docker-compose");
    const check = Bun.spawnSync([bin, "-f", "docker-compose.yml", "config", "-q"], {
      cwd: import.meta.dir,
      env: { PATH: process.env.PATH ?? "", JWT_SECRET: "x".repeat(40), GRAFANA_ADMIN_PASSWORD: "check" },
    });
    expect(check.stderr.toString()).toBe("");
    expect(check.exitCode).toBe(0);
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
