// The answers the groups routes document, with bodies made by the constructors the code throws.
import { errors } from "@lineup/errors";
import { groupHalted } from "../services/groups";
import { authErrors, bodyErrors, errorResponse, unavailable, validationFailed } from "./common";
import { exampleGroup, exampleHaltedGroup } from "./examples";
import { GroupListSchema, GroupSchema } from "./groups";

const badGroup = validationFailed(
  errors.validation([{ path: "group", message: "Must be 1-128 characters of A-Z a-z 0-9 . _ : -" }]),
);

export const getGroupAnswers = {
  200: GroupSchema.meta({ description: "The group (active, with no jobs, when you never used it)" }),
  ...authErrors,
  422: badGroup,
};

export const listGroupsAnswers = { 200: GroupListSchema, ...authErrors, 422: badGroup };

export const pauseGroupAnswers = {
  200: GroupSchema.meta({
    description: "The group, now paused (a halted group stays halted)",
    examples: [exampleGroup],
  }),
  ...authErrors,
  422: badGroup,
  503: unavailable,
};

export const resumeGroupAnswers = {
  200: GroupSchema.meta({ description: "The group, running again", examples: [exampleGroup] }),
  ...authErrors,
  ...bodyErrors,
  409: errorResponse(
    "The group is halted: say what to do with the job that halted it (failedJob)",
    groupHalted(exampleHaltedGroup.group, exampleHaltedGroup.haltedJobId),
  ),
  422: badGroup,
  503: unavailable,
};
