// The handler for every job type in the catalog. The type below makes a missing handler a compile error.
import type { JobType, PayloadOf } from "@lineup/jobs";
import { echo } from "./echo";
import { http } from "./http";
import type { Handler } from "./types";

export type Handlers = { [T in JobType]: Handler<PayloadOf<T>> };

export const handlers: Handlers = { echo, http };
