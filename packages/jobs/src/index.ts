// @lineup/jobs: the job types catalog, the job record and its statuses.
export * from "./callback";
export * from "./catalog";
export * from "./change";
export * from "./cron";
export * from "./line";
export * from "./new-job";
export * from "./record";
export { HTTP_METHODS, type HttpPayload, httpPayload } from "./types/http";
export { type JsonValue, jsonValue } from "./types/json-value";
