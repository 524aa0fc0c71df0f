// The answers the accounts routes document: every error a route can give, with bodies made by the constructors the
// code throws.
import { errors } from "@lineup/errors";
import { adminsOnly, passwordChanged, registrationClosed, wrongPassword } from "../services/auth";
import { rateLimited } from "../services/shared";
import { authErrors, bodyErrors, errorContent, errorResponse, unavailable, validationFailed } from "./common";

const credentialErrors = { ...bodyErrors, 422: validationFailed(), 503: unavailable };

// Bcrypt work is bounded: past HASH_CONCURRENCY waiting for HASH_QUEUE_TIMEOUT_MS, a login or sign-up is turned away.
const hashingBusy = errorResponse(
  "MongoDB or Redis does not answer, or too many logins and sign-ups arrive at once (see Retry-After); try again",
  errors.unavailable("A backing service is unavailable; try again shortly."),
  errors.unavailable("Too many logins and sign-ups at once; retry shortly."),
);

export const registerAnswers = {
  ...credentialErrors,
  401: errorResponse(
    "REGISTRATION=admin and no bearer token came along",
    errors.unauthorized("Only an administrator can create accounts here."),
  ),
  403: errorResponse(
    "REGISTRATION=closed, or REGISTRATION=admin and the token is not an admin's",
    registrationClosed(),
    adminsOnly(),
  ),
  409: errorResponse("An account with this email exists already", errors.emailTaken()),
  429: errorResponse("Too many sign-ups from this address; see Retry-After", rateLimited(42)),
  503: hashingBusy,
};

export const loginAnswers = {
  ...credentialErrors,
  401: errorResponse(
    "The email or the password is wrong (the same answer for either, so it tells nobody which emails have accounts)",
    errors.invalidCredentials(),
  ),
  429: errorResponse("Too many attempts for this account or from this address; see Retry-After", rateLimited(42)),
  503: hashingBusy,
};

export const meAnswers = { ...authErrors, 503: unavailable };

export const changePasswordAnswers = {
  ...authErrors,
  ...bodyErrors,
  403: errorResponse("The current password is wrong", wrongPassword()),
  409: errorResponse("The password was changed by another request meanwhile", passwordChanged()),
  422: validationFailed(errors.validation([{ path: "newPassword", message: "Must be at least 8 characters" }])),
  503: unavailable,
};

// Logout answers 204 with no body, which a schema cannot say: its answers are written out as OpenAPI responses.
export const logoutAnswers = {
  204: { description: "Logged out: this token no longer works (the user's other tokens still do)" },
  401: {
    description: "No bearer token, or one that is invalid, expired or revoked (`unauthorized`)",
    content: errorContent(errors.unauthorized()),
  },
  503: {
    description: "Redis does not answer; the token was not revoked, try again (`unavailable`)",
    content: errorContent(errors.unavailable("A backing service is unavailable; try again shortly.")),
  },
};

export const webhookSecretAnswers = { ...authErrors, 503: unavailable };
