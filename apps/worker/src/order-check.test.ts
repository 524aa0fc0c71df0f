import { describe, expect, it } from "bun:test";
import { createOrderCheck } from "./order-check";

function counter() {
  let n = 0;
  return { inc: () => void n++, value: () => n };
}

describe("order check", () => {
  it("counts nothing for increasing seqs and for a job run again with its own seq", () => {
    const c = counter();
    const check = createOrderCheck(c);
    for (const seq of [1, 2, 3, 3, 4, 7]) check.observe(seq);
    expect(c.value()).toBe(0);
  });

  it("counts a job that starts below one already started", () => {
    const c = counter();
    const check = createOrderCheck(c);
    for (const seq of [1, 2, 5, 4]) check.observe(seq);
    expect(c.value()).toBe(1);
  });

  it("remembers the last finished seq across a restart", () => {
    const c = counter();
    const check = createOrderCheck(c);
    check.reset(10);
    check.observe(9);
    check.observe(11);
    expect(c.value()).toBe(1);
  });
});
