import { describe, expect, it } from "bun:test";
import { documentedSettings } from "@lineup/testkit";
import { ConfigError, envSchema, loadConfig } from "./index";

const SECRET = "x".repeat(32);

describe("loadConfig", () => {
  it("gives every setting a default outside production", () => {
    const c = loadConfig({}, { hostname: "box-1", pid: 7 });
    expect(c).toMatchObject({
      env: "development",
      port: 3000,
      mongoUrl: "mongodb://127.0.0.1:27017",
      mongoDb: "lineup",
      redisUrl: "redis://127.0.0.1:6379",
      queueName: "default",
      jwtTtlSeconds: 3600,
      bcryptCost: 12,
      workerId: "box-1-7",
      workerMetricsPort: 9100,
      workerConcurrency: 1,
      defaultGroup: "queue",
      httpJobAllowedNetworks: [],
      loginFailuresPerAccountAddress: 10,
      loginFailuresPerAccount: 50,
      loginFailuresPerAddress: 100,
      loginFailureWindowSeconds: 900,
      bodyLimitBytes: 1048576,
      logFormat: "json",
      jwtSecretEphemeral: true,
    });
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it("makes a different ephemeral secret per process start", () => {
    expect(loadConfig({}).jwtSecret).not.toBe(loadConfig({}).jwtSecret);
  });

  it("requires JWT_SECRET in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET: is required/);
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET }).jwtSecretEphemeral).toBe(false);
  });

  it("does not ask the worker for the token secret it never uses", () => {
    expect(loadConfig({ NODE_ENV: "production" }, { process: "worker" }).env).toBe("production");
  });

  it("lists every problem at once", () => {
    try {
      loadConfig({ PORT: "http", BCRYPT_COST: "2", JWT_SECRET: "short", LOG_LEVEL: "loud" });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const fields = (err as ConfigError).problems.map((p) => p.split(":")[0]);
      expect(fields.sort()).toEqual(["BCRYPT_COST", "JWT_SECRET", "LOG_LEVEL", "PORT"]);
    }
  });

  it("parses durations", () => {
    expect(loadConfig({ JWT_TTL: "15m" }).jwtTtlSeconds).toBe(900);
    expect(loadConfig({ JWT_TTL: "2h" }).jwtTtlSeconds).toBe(7200);
  });

  it("refuses the removed ADMIN_EMAILS, naming the admin command; a blank one is unset", () => {
    expect(() => loadConfig({ ADMIN_EMAILS: "ops@example.com" })).toThrow(
      /ADMIN_EMAILS: was removed: registration never grants admin; an operator grants and revokes it with `lineup-api admin grant <email>`/,
    );
    expect(() => loadConfig({ ADMIN_EMAILS: "ops@example.com" }, { process: "worker" })).toThrow(/ADMIN_EMAILS/);
    expect(loadConfig({ ADMIN_EMAILS: " " })).not.toHaveProperty("adminEmails");
  });

  it("reads HTTP_JOB_ALLOWED_NETWORKS as CIDRs, a bare address as one host", () => {
    const c = loadConfig({ HTTP_JOB_ALLOWED_NETWORKS: " 127.0.0.0/8, 10.1.2.3 ,fd00::/8,::1" });
    expect(c.httpJobAllowedNetworks).toEqual(["127.0.0.0/8", "10.1.2.3/32", "fd00::/8", "::1/128"]);
    for (const bad of ["10.0.0.0/33", "localhost", "10.0.0/8", "::1/129", "10.0.0.0/8/8", "10.0.0.0/-1"]) {
      expect(() => loadConfig({ HTTP_JOB_ALLOWED_NETWORKS: bad })).toThrow(
        /HTTP_JOB_ALLOWED_NETWORKS: must be IP networks/,
      );
    }
  });

  it("leaves one core to the event loop by default for bcrypt, at least one slot", () => {
    expect(loadConfig({}, { cpus: 2 }).hashConcurrency).toBe(1);
    expect(loadConfig({}, { cpus: 1 }).hashConcurrency).toBe(1);
    expect(loadConfig({}, { cpus: 8 }).hashConcurrency).toBe(7);
    expect(loadConfig({ HASH_CONCURRENCY: "3" }, { cpus: 2 }).hashConcurrency).toBe(3);
  });

  it("reads REGISTRATION as open, closed or admin", () => {
    expect(loadConfig({}).registration).toBe("open");
    expect(loadConfig({ REGISTRATION: "admin" }).registration).toBe("admin");
    expect(() => loadConfig({ REGISTRATION: "invite" })).toThrow(/REGISTRATION: must be open, closed or admin/);
  });

  it("reads TRUST_PROXY as off, a number of proxies or their addresses, and refuses true", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "off" }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8, loopback,192.168.1.5" }).trustProxy).toEqual({
      addresses: ["10.0.0.0/8", "loopback", "192.168.1.5/32"],
    });
    for (const bad of ["true", "yes", "11", "proxy.internal"]) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY: must be false, the number of proxies/);
    }
  });

  it("refuses the replaced HTTP_JOB_ALLOW_PRIVATE, naming what replaced it", () => {
    expect(() => loadConfig({ HTTP_JOB_ALLOW_PRIVATE: "1" })).toThrow(
      /HTTP_JOB_ALLOW_PRIVATE: was replaced by HTTP_JOB_ALLOWED_NETWORKS/,
    );
  });

  it("takes LOG_FORMAT json or pretty and nothing else", () => {
    expect(loadConfig({ LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
    expect(() => loadConfig({ LOG_FORMAT: "text" })).toThrow(/LOG_FORMAT: must be json or pretty/);
  });

  it("treats blank variables as unset", () => {
    expect(loadConfig({ PORT: "", MONGO_DB: " " })).toMatchObject({ port: 3000, mongoDb: "lineup" });
  });

  it("reports a missing production secret together with other problems", () => {
    expect(() => loadConfig({ NODE_ENV: "production", PORT: "x" })).toThrow(
      /PORT: must be a port number[\s\S]*JWT_SECRET/,
    );
  });

  it("never puts the secret's value in an error", () => {
    expect(() => loadConfig({ JWT_SECRET: "tiny-secret" })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("tiny-secret") }),
    );
  });

  it("has every setting in the configuration table (docs/configuration.md), and nothing the table lacks", async () => {
    expect((await documentedSettings()).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});
