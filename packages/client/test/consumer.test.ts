// The client as a project outside the monorepo uses it: built into dist/, installed as a file: dependency, and
// typechecked with TypeScript's strictest module settings (NodeNext). A wrong call must not compile.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildClient } from "../build";

const TSC = resolve(import.meta.dir, "../../../node_modules/.bin/tsc");
const work = mkdtempSync(join(tmpdir(), "lineup-client-consumer-"));
const dist = join(work, "client-dist");
const consumer = join(work, "consumer");

const GOOD = `import { createClient, LineupError, type Job, type NewJob } from "@lineup/client";

const anonymous = createClient({ baseUrl: "http://localhost:3000" });
await anonymous.register({ email: "me@example.com", password: "a long password" });
const client = await anonymous.loginAs({ email: "me@example.com", password: "a long password" });
const jobs: NewJob[] = [
  { type: "echo", payload: { hello: ["world", 1, null] } },
  { type: "http", payload: { url: "https://example.com", method: "POST", body: { a: 1 } }, group: "orders" },
];
const one: Job = await client.submit(jobs[0] as NewJob, { idempotencyKey: "order-1" });
const many: Job[] = await client.submitBatch(jobs);
const seq: number | null = one.seq;
await client.get(one.id);
await client.cancel(many[0]?.id ?? "");
const page = await client.list({ status: "queued", group: "orders", limit: 10 });
const next: string | null = page.nextCursor;
for await (const job of client.jobs({ status: "succeeded" })) console.log(job.status, job.result);
const done = await client.wait(one.id, { timeoutSeconds: 30 });
for await (const event of client.events(done.id)) console.log(event.id, event.job.status);
try {
  await client.withToken("other").me();
} catch (err) {
  if (err instanceof LineupError && err.code === "unauthorized") console.log(err.status, err.retryAfter, err.details);
}
console.log(seq, next);
`;

const WRONG = `import { createClient } from "@lineup/client";

const client = createClient({ baseUrl: "http://localhost:3000", token: "t" });
await client.submit({ type: "resize", payload: {} });
await client.submit({ type: "http", payload: { url: "https://example.com" } });
await client.list({ status: "done" });
`;

beforeAll(async () => {
  await buildClient(dist);
  mkdirSync(join(consumer, "node_modules/@lineup"), { recursive: true });
  // What `npm install` makes of a file: dependency: a link to the package.
  symlinkSync(dist, join(consumer, "node_modules/@lineup/client"));
  const files = {
    "package.json": {
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { "@lineup/client": `file:${dist}` },
    },
    "tsconfig.json": {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        types: [],
        strict: true,
        noEmit: true,
      },
      files: ["good.ts"],
    },
    "tsconfig.wrong.json": { extends: "./tsconfig.json", files: ["wrong.ts"] },
  };
  for (const [name, content] of Object.entries(files)) await Bun.write(join(consumer, name), JSON.stringify(content));
  await Bun.write(join(consumer, "good.ts"), GOOD);
  await Bun.write(join(consumer, "wrong.ts"), WRONG);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tsc = (project: string) => {
  const run = Bun.spawnSync([TSC, "-p", project], { cwd: consumer });
  return { code: run.exitCode, output: run.stdout.toString() + run.stderr.toString() };
};

describe("the built client, used from outside the monorepo", () => {
  it("ships ESM JavaScript and type declarations that name no workspace package", async () => {
    const files = [...new Bun.Glob("**/*").scanSync({ cwd: dist })].sort();
    expect(files).toEqual(
      expect.arrayContaining(["index.js", "index.d.ts", "client.d.ts", "types.d.ts", "package.json"]),
    );
    for (const file of files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
      const text = await Bun.file(join(dist, file)).text();
      expect({ file, workspace: /@lineup\/(?!client)/.test(text) }).toEqual({ file, workspace: false });
      expect({ file, imports: /from\s+["'](?!\.)/.test(text) }).toEqual({ file, imports: false });
    }
    const loaded = Bun.spawnSync([
      "bun",
      "-e",
      `import("${join(dist, "index.js")}").then((m) => console.log(Object.keys(m).sort().join(",")))`,
    ]);
    expect(loaded.stdout.toString().trim()).toBe("LineupError,createClient,readEvents");
  });

  it("typechecks a consumer that calls every method correctly", () => {
    const { code, output } = tsc("tsconfig.json");
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("refuses a job of an unknown type, a payload missing a field and an unknown status", () => {
    const { code, output } = tsc("tsconfig.wrong.json");
    expect(code).not.toBe(0);
    const lines = output.split("\n").filter((l) => l.startsWith("wrong.ts("));
    expect(lines.map((l) => l.match(/^wrong\.ts\((\d+),/)?.[1])).toEqual(["4", "5", "6"]);
    expect(output).toContain('"resize"');
  });
});
