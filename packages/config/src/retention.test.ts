import { describe, expect, it } from "bun:test";
import { type ConfigError, loadConfig } from "./index";

describe("JOB_RETENTION and WEBHOOK_RETRY_WINDOW", () => {
  it("refuses a retention shorter than the webhook retry window, naming both", () => {
    let problems: string[] = [];
    try {
      loadConfig({ JOB_RETENTION: "1h", WEBHOOK_RETRY_WINDOW: "24h" });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^JOB_RETENTION: .*WEBHOOK_RETRY_WINDOW.*3600 s < 86400 s/)]);
  });

  it("takes a retention as long as the window, or longer", () => {
    expect(loadConfig({ JOB_RETENTION: "1h", WEBHOOK_RETRY_WINDOW: "1h" }).jobRetentionSeconds).toBe(3600);
    expect(loadConfig({ JOB_RETENTION: "30d" }).jobRetentionSeconds).toBe(30 * 86400);
  });
});
