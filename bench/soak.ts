// `bun run bench:soak [-- --minutes N]` (30 by default; CI runs 3): the soak scenario (scenarios/soak.ts). Writes
// bench/results/soak.json and, for runs of 10 minutes or more, the soak tables of docs/benchmarks.md and the README.
// Exits 1 when a job was lost, duplicated or run out of order; drift is reported against its goal, never asserted.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@lineup/testkit";
import { writeSoak } from "./lib/report";
import { soak } from "./scenarios/soak";

const at = process.argv.indexOf("--minutes");
const minutes = at > 0 ? Number(process.argv[at + 1]) : 30;
if (!(minutes > 0)) throw new Error("--minutes takes a number of minutes above 0");

const result = await soak(minutes);
mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
const file = join(REPO_ROOT, "bench/results/soak.json");
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
if (minutes >= 10) writeSoak(result);
const worst = Math.max(...Object.values(result.drift).filter(Number.isFinite));
console.log(
  `soak: ${minutes} min at ${result.rateJobsPerSecond.toFixed(0)} jobs/s (capacity ${result.capacityJobsPerSecond.toFixed(0)}), ` +
    `${result.accepted} jobs, ${result.workerRestarts} worker restarts, ${result.redisDrops} Redis drops`,
);
for (const [k, v] of Object.entries(result.drift)) console.log(`soak: drift ${k} ${v.toFixed(2)}× (goal ≤ 1.2×)`);
console.log(
  `soak: worst drift ${worst.toFixed(2)}×; lost ${result.lost}, duplicated ${result.duplicated}, ` +
    `out of order ${result.outOfOrder}; webhooks ${result.webhooks.delivered}/${result.webhooks.expected}`,
);
process.exit(result.lost || result.duplicated || result.outOfOrder ? 1 : 0);
