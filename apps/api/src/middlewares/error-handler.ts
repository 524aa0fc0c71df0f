// The one place errors become HTTP responses: every failure leaves in the contract's error shape.
import { isMongoUnavailable } from "@lineup/db";
import { AppError, errors } from "@lineup/errors";
import type { Logger } from "@lineup/log";
import { isRedisUnavailable } from "@lineup/queue";
import { logFieldsOf } from "@lineup/tracing";
import { Elysia, ParseError, ValidationError } from "elysia";
import type { AllowedMethods } from "./allowed-methods";
import { requestIdOf } from "./request-context";
import { requestSpanOf } from "./tracing";

export const errorHandler = (log: Logger, allowedMethods: AllowedMethods = () => []) =>
  new Elysia({ name: "error-handler" }).onError({ as: "global" }, ({ code, error, set, request, route }) => {
    const appError = code === "NOT_FOUND" ? notFound(request, allowedMethods) : toAppError(code, error);
    if (appError.status >= 500) {
      log.error("request failed", {
        requestId: requestIdOf(request),
        ...logFieldsOf(requestSpanOf(request)),
        route,
        code: appError.code,
        error:
          error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
      });
    }
    set.status = appError.status;
    if (appError.headers) Object.assign(set.headers, appError.headers);
    set.headers["content-type"] = "application/json";
    return appError.toBody();
  });

function toAppError(code: string | number, error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Elysia wraps whatever a parse hook throws (our 413, 415 and 422) in a ParseError.
  if (error instanceof ParseError && error.cause instanceof AppError) return error.cause;
  if (error instanceof ValidationError) {
    // A response that fails its own schema is our bug, not the client's.
    if (error.type === "response") return errors.internal();
    // Paths and messages only: the submitted values (a password, say) are never echoed.
    return errors.validation(
      error.all.map((issue) => ({ path: pathOf(error.type, issue.path), message: messageOf(issue) })),
    );
  }
  switch (code) {
    case "NOT_FOUND":
      return errors.notFound("No route matches this method and path.");
    case "PARSE":
      return errors.validation([{ path: "body", message: "Body is not valid JSON" }], "The body could not be parsed.");
  }
  if (isMongoUnavailable(error) || isRedisUnavailable(error)) {
    return errors.unavailable("A backing service is unavailable; try again shortly.");
  }
  return errors.internal();
}

/** Unknown path: 404. Known path, other method: 405 naming the methods it has. */
function notFound(request: Request, allowedMethods: AllowedMethods): AppError {
  const allowed = allowedMethods(new URL(request.url).pathname);
  if (!allowed.length) return errors.notFound("No route matches this method and path.");
  return new AppError(405, "method_not_allowed", `This path answers ${allowed.join(", ")} only.`, {
    headers: { allow: allowed.join(", ") },
  });
}

function pathOf(where: string, path: unknown): string {
  const p = typeof path === "string" ? path.replace(/^\//, "").replaceAll("/", ".") : "";
  return !p || p === "root" ? where : p;
}

function messageOf(issue: { message?: unknown; summary?: unknown }): string {
  const m = issue.message ?? issue.summary;
  return typeof m === "string" ? m : "Invalid value";
}
