// Liveness (the process is up) and readiness (MongoDB and Redis answer) probes.
import { errors } from "@lineup/errors";
import type { Readiness } from "@lineup/health";
import { Elysia } from "elysia";
import { errorResponse } from "../schemas/common";
import { HealthSchema, ReadySchema } from "../schemas/health";

export const healthRoutes = (deps: {
  readiness: () => Promise<Readiness>;
  queue: { name: string; paused: () => Promise<boolean> };
}) =>
  new Elysia({ name: "health-routes" })
    .get("/healthz", () => ({ status: "ok" as const }), {
      response: { 200: HealthSchema },
      detail: { tags: ["health"], summary: "Liveness: 200 while the process is up" },
    })
    .get(
      "/readyz",
      async () => {
        const checks = await deps.readiness();
        const down = (Object.keys(checks) as (keyof Readiness)[]).filter((k) => checks[k] !== "ok");
        if (down.length) {
          throw errors.unavailable(
            `Not ready: ${down.join(" and ")} ${down.length > 1 ? "do" : "does"} not answer.`,
            down.map((dependency) => ({ dependency, status: "down" })),
          );
        }
        return {
          status: "ready" as const,
          checks: { mongo: "ok" as const, redis: "ok" as const },
          // Paused is still ready: submissions are accepted and queued, workers take nothing until resumed.
          queue: { name: deps.queue.name, paused: await deps.queue.paused() },
        };
      },
      {
        response: {
          200: ReadySchema,
          503: errorResponse(
            "MongoDB or Redis does not answer; details name which",
            errors.unavailable("Not ready: redis does not answer.", [{ dependency: "redis", status: "down" }]),
          ),
        },
        detail: { tags: ["health"], summary: "Readiness: 200 when MongoDB and Redis answer" },
      },
    );
