// Preloaded by bunfig.toml for every `bun test` run: stops the kit's servers once all files are done.
import { afterAll } from "bun:test";
import { cleanupNow } from "./process-registry";

afterAll(() => {
  cleanupNow();
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    cleanupNow();
    process.exit(130);
  });
}
