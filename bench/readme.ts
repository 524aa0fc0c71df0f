// `bun bench/readme.ts` writes the benchmark tables of docs/benchmarks.md again from bench/results/latest.json (after a change to
// how it is rendered), without measuring anything.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@lineup/testkit";
import { writeReadme } from "./lib/report";
import type { Results } from "./lib/results";

writeReadme(JSON.parse(readFileSync(join(REPO_ROOT, "bench/results/latest.json"), "utf8")) as Results);
