// Builds the console's script for browsers with Bun.build, from main.ts, and writes it to stdout (run by bundle.ts).
import { join } from "node:path";

const result = await Bun.build({
  entrypoints: [join(import.meta.dir, "main.ts")],
  target: "browser",
  // A classic script (index.html's <script defer>): the IIFE keeps its names out of the page's global scope.
  format: "iife",
  minify: true,
});
const [script] = result.outputs;
if (!result.success || !script) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
process.stdout.write(await script.text());
