// @lineup/client: a typed client for the Lineup API, with no dependencies (fetch only).
export {
  type ClientOptions,
  createClient,
  type EventsOptions,
  type LineupClient,
  type SubmitOptions,
} from "./client.js";
export { LineupError } from "./errors.js";
export { readEvents, type ServerSentEvent } from "./sse.js";
export type {
  Callback,
  Credentials,
  ErrorBody,
  ErrorDetail,
  HttpMethod,
  HttpPayload,
  Job,
  JobEvent,
  JobPage,
  JobStatus,
  JobType,
  JsonValue,
  ListParams,
  NewJob,
  Token,
  User,
  WebhookSecret,
} from "./types.js";
