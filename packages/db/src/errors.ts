// Classifies driver errors so callers branch on kind, never on message text.
import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
} from "mongodb";

/** One document of a multi-document write that MongoDB refused, with the code a lone write of it would have met. */
export class RefusedDocument extends Error {
  override readonly name = "RefusedDocument";
  constructor(
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDuplicateKey(err: unknown): boolean {
  return (err instanceof MongoServerError || err instanceof RefusedDocument) && err.code === 11000;
}

/** True when MongoDB could not be reached (or did not answer in time), as opposed to refusing the operation. */
export function isMongoUnavailable(err: unknown): boolean {
  // A multi-document write (insertMany, bulkWrite) wraps the driver's own error, a network or server-selection error
  // say, in a MongoBulkWriteError, keeping the original as its errorResponse.
  if (err instanceof MongoBulkWriteError && err.errorResponse instanceof Error)
    return isMongoUnavailable(err.errorResponse);
  return (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError ||
    err instanceof MongoOperationTimeoutError ||
    // Every connection busy with a server that does not answer: the pool gave up waiting for one. The driver does not
    // export this class; its name is part of its public API.
    (err instanceof Error && err.name === "MongoWaitQueueTimeoutError")
  );
}
