import { describe, expect, it } from "bun:test";
import { allowedMethodsFrom } from "./allowed-methods";

const allowed = allowedMethodsFrom([
  { method: "GET", path: "/v1/admin/jobs/:id" },
  { method: "POST", path: "/v1/admin/jobs/:id/retry" },
  { method: "POST", path: "/v1/admin/jobs/retry" },
  { method: "GET", path: "/v1/jobs" },
  { method: "POST", path: "/v1/jobs" },
]);

describe("allowed methods", () => {
  it("lists every method of a path, with or without a trailing slash", () => {
    expect(allowed("/v1/jobs")).toEqual(["GET", "POST"]);
    expect(allowed("/v1/jobs/")).toEqual(["GET", "POST"]);
    expect(allowed("/v1/admin/jobs/abc")).toEqual(["GET"]);
  });

  it("lets a path a route names outright shadow a parameter route that also matches it", () => {
    expect(allowed("/v1/admin/jobs/retry")).toEqual(["POST"]);
  });

  it("knows nothing of a path no route matches", () => {
    expect(allowed("/v1/nothing")).toEqual([]);
  });
});
