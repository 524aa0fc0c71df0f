// @lineup/network-guard: the SSRF guard `http` jobs and webhooks share (which addresses may be reached), and a fetch
// that goes only where the guard allows.
export { type CheckedRequest, fetchChecked } from "./fetch";
export { GuardError, isRefusedAddress, resolveAllowed } from "./guard";
