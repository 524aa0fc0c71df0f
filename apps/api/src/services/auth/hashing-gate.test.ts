// Tests for the hashing gate: how many hashes run at once, who goes first, and when a request is told to come back.
import { describe, expect, it } from "bun:test";
import { AppError } from "@lineup/errors";
import { createHashingGate, type HashKind } from "./hashing-gate";

/** Work that runs until the test finishes it, recording when it started. */
function controlled(started: string[], name: string) {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    work: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish,
  };
}

const settle = () => Bun.sleep(5);

describe("createHashingGate", () => {
  it("runs at most `slots` hashes at once and starts the next as one ends", async () => {
    const started: string[] = [];
    const gate = createHashingGate({ slots: 2, maxWaitMs: 10_000 });
    const jobs = ["a", "b", "c"].map((name) => controlled(started, name));
    const results = jobs.map((job) => gate.run("login", job.work));
    await settle();
    expect(started).toEqual(["a", "b"]);
    jobs[1]?.finish();
    await settle();
    expect(started).toEqual(["a", "b", "c"]);
    for (const job of jobs) job.finish();
    expect(await Promise.all(results)).toEqual(["a", "b", "c"]);
  });

  it("gives a freed slot to a waiting login before any waiting registration", async () => {
    const started: string[] = [];
    const gate = createHashingGate({ slots: 1, maxWaitMs: 10_000 });
    const order: [HashKind, string][] = [
      ["registration", "r1"],
      ["registration", "r2"],
      ["registration", "r3"],
      ["login", "l1"],
    ];
    const jobs = order.map(([kind, name]) => ({ kind, ...controlled(started, name) }));
    const results = jobs.map((job) => gate.run(job.kind, job.work));
    for (const job of jobs) {
      await settle();
      job.finish();
    }
    await Promise.all(results);
    expect(started).toEqual(["r1", "l1", "r2", "r3"]);
  });

  it("keeps registrations to half the slots, so logins always find one", async () => {
    const started: string[] = [];
    const gate = createHashingGate({ slots: 2, maxWaitMs: 10_000 });
    const r1 = controlled(started, "r1");
    const r2 = controlled(started, "r2");
    const l1 = controlled(started, "l1");
    const results = [gate.run("registration", r1.work), gate.run("registration", r2.work), gate.run("login", l1.work)];
    await settle();
    expect(started).toEqual(["r1", "l1"]);
    for (const job of [r1, r2, l1]) job.finish();
    await Promise.all(results);
  });

  it("answers 503 unavailable with Retry-After once a request has waited too long, and runs nothing for it", async () => {
    const started: string[] = [];
    const gate = createHashingGate({ slots: 1, maxWaitMs: 20 });
    const busy = controlled(started, "busy");
    const running = gate.run("login", busy.work);
    const late = await gate.run("login", controlled(started, "late").work).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(AppError);
    expect(late).toMatchObject({ status: 503, code: "unavailable", headers: { "retry-after": "1" } });
    busy.finish();
    await running;
    expect(started).toEqual(["busy"]);
    expect(await gate.run("login", async () => "next")).toBe("next");
  });

  it("frees the slot when the work fails", async () => {
    const gate = createHashingGate({ slots: 1, maxWaitMs: 1_000 });
    await expect(gate.run("login", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run("login", async () => "after")).toBe("after");
  });
});
