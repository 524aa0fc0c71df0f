// @lineup/health: whether the stores answer, for the api's and the worker's /readyz.
export { type Check, checkReadiness, type Readiness, within } from "./readiness";
