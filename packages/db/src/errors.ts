// Classifies driver errors so callers branch on kind, never on message text.
import { MongoNetworkError, MongoOperationTimeoutError, MongoServerError, MongoServerSelectionError } from "mongodb";

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** True when MongoDB could not be reached (or did not answer in time), as opposed to refusing the operation. */
export function isMongoUnavailable(err: unknown): boolean {
  return (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError ||
    err instanceof MongoOperationTimeoutError
  );
}
