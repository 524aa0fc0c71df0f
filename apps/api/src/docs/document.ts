// The OpenAPI document: every route with its schemas (taken from the routes themselves), named components, an example
// for every request and answer, the headers answers carry, and an introduction that teaches how to call the API.
import { toOpenAPISchema } from "@elysiajs/openapi";
import type { AnyElysia } from "elysia";
import intro from "./intro.md" with { type: "text" };
import { createSchemaMapper, type JsonSchema } from "./json-schema";

type Media = {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, { summary?: string; value: unknown }>;
};
type Answer = { description?: string; headers?: Record<string, unknown>; content?: Record<string, Media> };
type Operation = { requestBody?: { content?: Record<string, Media> }; responses?: Record<string, Answer> };
type Paths = Record<string, Record<string, Operation>>;
type Route = { method: string; path: string; hooks?: { detail?: { responses?: Record<string, Answer> } } };

// What the generator says of an answer whose schema has no description of its own (a named component's).
const GENERATED_DESCRIPTION = "Response for status";

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

const HEADERS = {
  "X-Request-Id": {
    description: "This request's id (the one you sent, if it was 1-128 of A-Z a-z 0-9 . _ : -); logs carry it",
    required: true,
    schema: { type: "string" },
  },
  Location: { description: "The job's URL, /v1/jobs/{id}", required: true, schema: { type: "string" } },
  "Retry-After": {
    description: "Seconds to wait before trying again (sent with rate_limited)",
    schema: { type: "integer", minimum: 1 },
  },
  Allow: { description: "The methods the path answers (with 405 method_not_allowed)", schema: { type: "string" } },
};

const BEARER = {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description:
    "A token from `POST /v1/auth/login` (create the account first with `POST /v1/auth/register`), sent as " +
    "`Authorization: Bearer <accessToken>`. It expires after `expiresIn` seconds; `POST /v1/auth/logout` ends it " +
    "sooner, and a password change ends every older token of the account.",
};

const TAGS = [
  { name: "auth", description: "Accounts and tokens: register, log in, then send the token as a Bearer header" },
  { name: "jobs", description: "Submit jobs (one or a batch) and follow them" },
  { name: "health", description: "Probes for orchestrators" },
  {
    name: "admin",
    description: "Operate the queue (admins only): overview, groups, pause, find, retry and cancel jobs",
  },
  { name: "console", description: "The operations console, a web page for admins" },
  { name: "ops", description: "Prometheus metrics" },
];

/** The document for an app whose routes are all registered. */
export function buildDocument(app: AnyElysia) {
  const mapper = createSchemaMapper();
  const { paths } = toOpenAPISchema(app, { paths: [/^\/docs/] }, undefined, { zod: mapper.toJsonSchema }) as {
    paths: Paths;
  };
  const schemas = mapper.components();
  addDeclaredAnswers(paths, app.routes as Route[]);
  for (const operation of Object.values(paths).flatMap((item) => Object.values(item))) {
    for (const media of Object.values(operation.requestBody?.content ?? {})) showExamples(media, schemas);
    for (const [status, answer] of Object.entries(operation.responses ?? {})) {
      if (!answer.description || answer.description.startsWith(GENERATED_DESCRIPTION)) {
        answer.description = componentOf(answer.content?.["application/json"]?.schema, schemas)?.description as string;
        answer.description ??= "OK";
      }
      answer.headers = { "X-Request-Id": ref("X-Request-Id"), ...answer.headers };
      if (status === "429") answer.headers["Retry-After"] = ref("Retry-After");
      for (const media of Object.values(answer.content ?? {})) showExamples(media, schemas);
    }
  }
  return {
    openapi: "3.1.0",
    info: { title: "Lineup", version: "1.0.0", description: intro },
    servers: [{ url: "/", description: "This api (the one serving this document)" }],
    tags: TAGS,
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: BEARER },
      headers: HEADERS,
      responses: {
        MethodNotAllowed: {
          description: "A known path called with a method it does not answer (`method_not_allowed`)",
          headers: { Allow: ref("Allow"), "X-Request-Id": ref("X-Request-Id") },
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    },
  };
}

/**
 * A route's `detail.responses` (headers, say Location) are dropped by the generator when the route has response
 * schemas; they are put back on the generated answers here.
 */
function addDeclaredAnswers(paths: Paths, routes: Route[]): void {
  for (const route of routes) {
    const declared = route.hooks?.detail?.responses;
    const answers = paths[route.path.replace(/:(\w+)/g, "{$1}")]?.[route.method.toLowerCase()]?.responses;
    if (!declared || !answers) continue;
    for (const [status, extra] of Object.entries(declared)) {
      const answer = answers[status];
      // An answer that is not JSON (an event stream) has no schema route option: the declared one is the answer.
      if (!answer) {
        if (extra.content) answers[status] = structuredClone(extra);
        continue;
      }
      if (extra.description) answer.description = extra.description;
      answer.headers = { ...answer.headers, ...extra.headers };
    }
  }
}

/**
 * Puts a schema's examples (its own, or its component's) on the media type, where every OpenAPI viewer shows them:
 * one as `example`, several as named `examples` (an error by its code, a job by its type).
 */
function showExamples(media: Media, schemas: Record<string, JsonSchema>): void {
  const schema = media.schema;
  if (!schema || media.example !== undefined || media.examples) return;
  const { examples: own, ...rest } = schema as JsonSchema & { examples?: unknown[] };
  const examples = own ?? (componentOf(schema, schemas)?.examples as unknown[] | undefined);
  if (!examples?.length) return;
  media.schema = rest;
  if (examples.length === 1) {
    media.example = examples[0];
    return;
  }
  media.examples = {};
  for (const [i, value] of examples.entries()) {
    const { name, summary } = describeExample(value, i);
    let key = name;
    for (let n = 2; key in media.examples; n++) key = `${name} (${n})`;
    media.examples[key] = summary ? { summary, value } : { value };
  }
}

/** The named component a schema refers to, if it is a reference. */
function componentOf(schema: JsonSchema | undefined, schemas: Record<string, JsonSchema>): JsonSchema | undefined {
  const $ref = schema?.$ref;
  return typeof $ref === "string" ? schemas[$ref.slice($ref.lastIndexOf("/") + 1)] : undefined;
}

function describeExample(value: unknown, i: number): { name: string; summary?: string } {
  const v = value as { error?: { code?: unknown; message?: unknown }; type?: unknown; status?: unknown } | null;
  if (typeof v?.error?.code === "string") return { name: v.error.code, summary: String(v.error.message) };
  if (typeof v?.type === "string") return { name: typeof v.status === "string" ? `${v.status} ${v.type}` : v.type };
  return { name: `example ${i + 1}` };
}
