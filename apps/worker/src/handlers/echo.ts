// `echo` handler: the result is the payload.
import type { Handler } from "./types";

export const echo: Handler<unknown> = async (payload) => payload;
