// @lineup/queue: Lineup's Redis queue (keys, Lua scripts, envelope, operations).

export { type ConnectOptions, connectRedis, onRedisChanged, type RedisTarget, untilReady } from "./connect";
export type { DueTimes, ScheduledJob } from "./due-times";
export {
  decodeEnvelope,
  type Envelope,
  encodeSequenced,
  RUN_PAYLOAD_LIMIT,
  type RunData,
  runDataOf,
  scheduledEnvelopeOf,
} from "./envelope";
export {
  compareEventIds,
  createEventLog,
  decodeAnnouncement,
  type EventLog,
  type EventLogOptions,
  isEventId,
  type PublishedChange,
} from "./events";
export { authKeys, eventKeys, partitionOf, queueKeys, rateLimitKeys, slotKeys } from "./keys";
export type { Completion, Ending } from "./lines";
export { createQueue, type Queue, type QueueSnapshot } from "./queue";
export { isRedisUnavailable } from "./redis-errors";
export { type RunMode, scriptSources } from "./scripts";
export { type MinuteStats, minuteOf, readStats, WAIT_BUCKETS_MS } from "./stats";
export { raiseTokenGeneration } from "./token-generation";
export { createUserSlots, type UserSlots } from "./user-slots";
