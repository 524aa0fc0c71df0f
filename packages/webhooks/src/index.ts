// @lineup/webhooks: signing secrets and signatures per the Standard Webhooks spec (standardwebhooks.com), which the
// api (a user's secret) and the worker (each delivery) share.
export { newWebhookSecret, WEBHOOK_SECRET_PREFIX } from "./secret";
export { signatureOf, webhookHeaders } from "./sign";
