// The answers the event stream routes document: every error an SSE route can give, with bodies made by the
// constructors the code throws.
import { errors } from "@lineup/errors";
import { streamsFull, tooManyStreams } from "../services/events";
import { authErrors, errorResponse } from "./common";
import { noSuchJob } from "./job-answers";

const eventErrors = {
  ...authErrors,
  429: errorResponse(
    "You hold SSE_STREAMS_PER_USER event streams already, on any api process (see Retry-After)",
    tooManyStreams(10),
  ),
  503: errorResponse(
    "MongoDB or Redis does not answer, or this server holds SSE_STREAMS_MAX streams already (see Retry-After)",
    errors.unavailable("A backing service is unavailable; try again shortly."),
    streamsFull(),
  ),
};

export const jobEventsAnswers = { ...eventErrors, 404: noSuchJob };
export const userEventsAnswers = eventErrors;
