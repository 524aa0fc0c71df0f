// Debian's chromium for the browser tests, driven by playwright-core (which downloads no browser). A missing chromium
// fails the test with the command that installs it.
import { requireBinary } from "@lineup/testkit";

/** Root in a container needs --no-sandbox; the rest keep the browser from calling anywhere on its own. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const chromiumPath = () => requireBinary("chromium", "apt-get install -y chromium");
