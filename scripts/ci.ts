// CI's checks and test suites, in order, each one's output shown as it runs; then a line per suite and, last, one line
// with the totals of all of them: `N passed, M failed`. Exits 1 when anything failed. Run by .ci/run after setup.
type Count = { passed: number; failed: number };
type Suite = { name: string; argv: string[]; count: (output: string, exitCode: number) => Count };

/** A check (lint, typecheck, the quick benchmarks) counts as one: passed when it exits 0. */
const check = (_: string, exitCode: number): Count => ({
  passed: exitCode === 0 ? 1 : 0,
  failed: exitCode === 0 ? 0 : 1,
});

/** bun test's summary: ` 588 pass` and ` 0 fail`. A run that died before it (or failed without a failing test) is one failure. */
function bunTest(output: string, exitCode: number): Count {
  const passed = sumOf(output, /^\s*(\d+) pass$/gm);
  const failed = sumOf(output, /^\s*(\d+) fail$/gm);
  return { passed, failed: exitCode !== 0 && failed === 0 ? 1 : failed };
}

/** schemathesis' summary of each run: `Test cases:` then `2252 generated, 2252 passed, 34 skipped` (and `N failed`). */
function schemathesis(output: string, exitCode: number): Count {
  const lines = [...output.matchAll(/^\s*\d+ generated, (.*)$/gm)].map((m) => m[1] as string);
  const passed = lines.reduce((n, l) => n + Number(/(\d+) passed/.exec(l)?.[1] ?? 0), 0);
  const failed = lines.reduce((n, l) => n + Number(/(\d+) failed/.exec(l)?.[1] ?? 0), 0);
  return { passed, failed: exitCode !== 0 && failed === 0 ? 1 : failed };
}

function sumOf(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
}

const suites: Suite[] = [
  { name: "lint", argv: ["bun", "run", "lint"], count: check },
  { name: "typecheck", argv: ["bun", "run", "typecheck"], count: check },
  // The README's test command: unit, integration, end-to-end and browser tests.
  { name: "bun run test", argv: ["bun", "run", "test"], count: bunTest },
  // The ordered-pipeline, groups and Redis-drop tests again, against a Redis Cluster (3 masters, 3 replicas).
  { name: "bun run test:cluster", argv: ["bun", "run", "test:cluster"], count: bunTest },
  // The benchmarks in their quick form: they must run; their numbers are not judged here.
  { name: "bench --quick", argv: ["bun", "run", "bench", "--", "--quick"], count: check },
  // Three minutes of the soak: it fails when a job was lost, ran to success twice or ran out of order.
  { name: "soak (3 min)", argv: ["bun", "run", "bench:soak", "--", "--minutes", "3"], count: check },
  // Fuzz the live api from its OpenAPI document; the seed is pinned so CI is repeatable.
  { name: "schemathesis", argv: ["bash", "scripts/schemathesis.sh", "--seed", "20261128"], count: schemathesis },
];

async function run(suite: Suite): Promise<Count> {
  console.log(`\nci: ${suite.name}: $ ${suite.argv.join(" ")}`);
  const proc = Bun.spawn(suite.argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const chunks: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      out.write(bytes);
      chunks.push(decoder.decode(bytes, { stream: true }));
    }
  };
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
  return suite.count(chunks.join(""), await proc.exited);
}

async function main(): Promise<number> {
  const results: [string, Count][] = [];
  for (const suite of suites) results.push([suite.name, await run(suite)]);
  console.log("");
  for (const [name, c] of results) console.log(`ci: ${name}: ${c.passed} passed, ${c.failed} failed`);
  const passed = results.reduce((n, [, c]) => n + c.passed, 0);
  const failed = results.reduce((n, [, c]) => n + c.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code));
