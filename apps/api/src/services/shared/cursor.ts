// Opaque list cursors: the last item's (createdAt, id), base64url. A tampered cursor is a 422, not a 500.
import { errors } from "@lineup/errors";
import { isJobId } from "@lineup/jobs";

export function encodeCursor(after: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([after.createdAt.getTime(), after.id])).toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Number.isSafeInteger(ms) && ms >= 0 && isJobId(id)) {
      return { createdAt: new Date(ms), id };
    }
  } catch {
    // fall through to the one error below
  }
  throw errors.validation([{ path: "cursor", message: "Not a cursor this API issued" }]);
}
