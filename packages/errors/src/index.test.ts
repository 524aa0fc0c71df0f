import { describe, expect, it } from "bun:test";
import { AppError, errors } from "./index";

describe("AppError", () => {
  it("renders the contract's error shape without empty details", () => {
    expect(errors.emailTaken().toBody()).toEqual({
      error: { code: "email_taken", message: "An account with this email already exists." },
    });
  });

  it("keeps details and status for validation failures", () => {
    const err = errors.validation([{ path: "email", message: "Invalid email" }]);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(422);
    expect(err.toBody().error.details).toEqual([{ path: "email", message: "Invalid email" }]);
  });
});
