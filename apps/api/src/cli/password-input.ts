// The password of an account the admin command creates comes on standard input, never as an argument: arguments show
// in `ps`, in shell history and in audit logs of `kubectl exec`. A terminal is refused, since it would echo the
// password back on the screen.

/** Standard input up to its end without one trailing line break, or null when it is a terminal. */
export async function passwordFromStdin(): Promise<string | null> {
  if (process.stdin.isTTY) return null;
  return (await Bun.stdin.text()).replace(/\r?\n$/, "");
}
