// The shared services' public face: what routes, app.ts and other features may use.
export { decodeCursor, encodeCursor } from "./cursor";
export { createJobReader, type JobReader } from "./job-reader";
export { walkJson } from "./json-walk";
export { createRateLimits, type RateLimits, rateLimited } from "./rate-limits";
