// Lineup's one error type: a stable snake_case code plus the HTTP status it maps to.

export type ErrorDetail = Record<string, string | number>;

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: ErrorDetail[];
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.details);
  }
}

export type ErrorBody = {
  error: { code: string; message: string; details?: ErrorDetail[] };
};

export function errorBody(code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  return details?.length ? { error: { code, message, details } } : { error: { code, message } };
}

// Constructors for the codes the HTTP contract names, so call sites cannot misspell them.
export const errors = {
  badRequest: (message: string) => new AppError(400, "bad_request", message),
  validation: (details: ErrorDetail[], message = "The request is not valid.") =>
    new AppError(422, "validation_failed", message, { details }),
  unauthorized: (message = "A valid bearer token is required.") =>
    new AppError(401, "unauthorized", message, { headers: { "www-authenticate": "Bearer" } }),
  invalidCredentials: () => new AppError(401, "invalid_credentials", "Email or password is wrong."),
  emailTaken: () => new AppError(409, "email_taken", "An account with this email already exists."),
  forbidden: (message = "This needs the admin role.") => new AppError(403, "forbidden", message),
  notFound: (message = "Nothing is here.") => new AppError(404, "not_found", message),
  payloadTooLarge: (limit: number) =>
    new AppError(413, "payload_too_large", `The request body is larger than ${limit} bytes.`),
  unsupportedMediaType: () => new AppError(415, "unsupported_media_type", "Send the body as application/json."),
  // The connection is closed after it: the rest of a body that stalled cannot be told apart from a next request.
  requestTimeout: (seconds: number) =>
    new AppError(408, "request_timeout", `The request body did not arrive within ${seconds} s.`, {
      headers: { connection: "close" },
    }),
  conflict: (code: string, message: string) => new AppError(409, code, message),
  unavailable: (message: string, details?: ErrorDetail[], cause?: unknown) =>
    new AppError(503, "unavailable", message, { details, cause }),
  internal: () => new AppError(500, "internal", "Something went wrong on our side."),
};
