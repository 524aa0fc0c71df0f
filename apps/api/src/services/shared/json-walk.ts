// Visits every value of a parsed JSON document with an explicit stack: a hostile document can be nested deeper than
// the call stack allows, so nothing that inspects untrusted JSON may recurse.

export type JsonVisit = {
  value: unknown;
  /** 1 for the root, 2 for its members, and so on. */
  depth: number;
  /** The member's name when the value sits in an object. */
  key?: string;
};

/** Calls `visit` for every value, parents before children; stops early when `visit` returns false. */
export function walkJson(root: unknown, visit: (node: JsonVisit) => boolean | undefined): void {
  const stack: JsonVisit[] = [{ value: root, depth: 1 }];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (visit(node) === false) return;
    const { value, depth } = node;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
    } else if (value !== null && typeof value === "object") {
      for (const [key, member] of Object.entries(value)) stack.push({ value: member, depth: depth + 1, key });
    }
  }
}
