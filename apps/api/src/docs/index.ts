// The API reference: the OpenAPI document at /docs/json and its viewer at /docs, with the viewer's assets served from
// here (no CDN, nothing from the internet), under long cache headers since their names carry their content's hash.
import { errors } from "@lineup/errors";
import { type AnyElysia, Elysia } from "elysia";
import { buildDocument } from "./document";
import { ASSETS_PATH } from "./paths";
import type { SwaggerUi } from "./swagger-ui";

/** `app` gives the whole app once every route is registered: the document describes them all. */
export const docs = (app: () => AnyElysia) => {
  // Swagger UI (1.4 MB of script, hashed for its name) loads when someone first asks for the reference, not at start.
  let ui: Promise<SwaggerUi> | undefined;
  const viewer = () => (ui ??= import("./swagger-ui").then((m) => m.swaggerUi()));
  let document: ReturnType<typeof buildDocument> | undefined;
  return new Elysia({ name: "docs" })
    .get(
      "/docs",
      async ({ set }) => {
        set.headers["content-type"] = "text/html; charset=utf-8";
        return (await viewer()).page;
      },
      { detail: { hide: true } },
    )
    .get("/docs/json", () => (document ??= buildDocument(app())), { detail: { hide: true } })
    .get(
      `${ASSETS_PATH}/:name`,
      async ({ params, set }) => {
        const asset = (await viewer()).assets.get(params.name);
        if (!asset) throw errors.notFound("No such asset.");
        set.headers["content-type"] = asset.type;
        set.headers["cache-control"] = "public, max-age=31536000, immutable";
        return asset.body;
      },
      { detail: { hide: true } },
    );
};
