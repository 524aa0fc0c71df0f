// `echo`: the result is the payload. For smoke tests and benchmarks.
import { z } from "zod";

export const echoPayload = z.unknown().describe("Any JSON value; returned as the result");
