// The baseline for the api's start-up: a bare Elysia app with one route, no connections. PORT from the environment.
import { Elysia } from "elysia";

new Elysia()
  .get("/readyz", () => ({ status: "ready" }))
  .listen({ hostname: "127.0.0.1", port: Number(process.env.PORT) });
