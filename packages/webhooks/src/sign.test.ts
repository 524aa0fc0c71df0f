// Signatures made here verify with the Standard Webhooks reference library, with either of two secrets.
import { describe, expect, it } from "bun:test";
import { Webhook } from "standardwebhooks";
import { newWebhookSecret, webhookHeaders } from ".";

describe("webhook signatures", () => {
  it("verify with the standardwebhooks package, and fail for another body or secret", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ id: "665f1d0a8b3d4a0012a1b2d4", status: "succeeded" });
    const headers = webhookHeaders([secret], "msg_1", Math.floor(Date.now() / 1000), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it("sign with every secret given, so a receiver holding either verifies", () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const body = "{}";
    const headers = webhookHeaders([current, previous], "msg_2", Math.floor(Date.now() / 1000), body);
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(body, headers)).toEqual({});
  });
});
