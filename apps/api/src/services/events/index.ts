// The events services' public face: what routes, app.ts and other features may use.
export { type Announce, createAnnounce } from "./announce";
export { type ChangeFeed, createChangeFeed } from "./change-feed";
export { createEventStreams, type EventStreams, streamsFull, tooManyStreams } from "./streams";
