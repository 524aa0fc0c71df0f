// Watches the order jobs start in: a job whose seq is below one already finished started out of order.
// The count must stay 0; ops alert on it.
export type OrderCheck = { observe(seq: number): void; reset(lastFinished: number): void };

export function createOrderCheck(counter: { inc(): void }): OrderCheck {
  let highest = 0;
  return {
    observe(seq) {
      // Equal is fine: a job run again after a crash or a shutdown keeps its seq.
      if (seq < highest) counter.inc();
      highest = Math.max(highest, seq);
    },
    reset(lastFinished) {
      highest = lastFinished;
    },
  };
}
