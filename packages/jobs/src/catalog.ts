// The catalog of job types: name -> payload schema. Shared by the api (rejects bad submissions)
// and the worker (re-checks before running). Adding a type: one entry here, one handler in the worker.
import type { z } from "zod";
import { echoPayload } from "./types/echo";
import { httpPayload } from "./types/http";

export const catalog = {
  echo: echoPayload,
  http: httpPayload,
} satisfies Record<string, z.ZodType>;

export type JobType = keyof typeof catalog;
export type PayloadOf<T extends JobType> = z.output<(typeof catalog)[T]>;

export function isJobType(name: string): name is JobType {
  return Object.hasOwn(catalog, name);
}
