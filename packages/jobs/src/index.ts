// @lineup/jobs: the job types catalog, the job record and its state transitions.
export * from "./catalog";
export { HTTP_METHODS, type HttpPayload, httpPayload } from "./types/http";
