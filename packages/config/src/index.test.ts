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
      httpJobAllowPrivate: false,
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

  it("parses durations, flags and admin lists", () => {
    const c = loadConfig({
      JWT_TTL: "15m",
      HTTP_JOB_ALLOW_PRIVATE: "1",
      ADMIN_EMAILS: " Boss@Example.com ,ops@example.com,",
    });
    expect(c.jwtTtlSeconds).toBe(900);
    expect(c.httpJobAllowPrivate).toBe(true);
    expect(c.adminEmails).toEqual(["boss@example.com", "ops@example.com"]);
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

  it("has every setting in the README's configuration table, and nothing the table lacks", async () => {
    expect((await documentedSettings()).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});
