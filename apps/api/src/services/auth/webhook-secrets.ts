// A user's webhook signing secret: made on first ask (or at the first delivery), shown to its owner, and rotated on
// request. After a rotation the old secret keeps signing beside the new one for ROTATION_OVERLAP_MS, so receivers
// can move over without rejecting a delivery.
import { type Db, ensureWebhookKeys, rotateWebhookKeys, type WebhookKeys } from "@lineup/db";
import { errors } from "@lineup/errors";
import { newWebhookSecret } from "@lineup/webhooks";

export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export type WebhookSecretView = { secret: string; createdAt: string; previousValidUntil?: string };

export async function webhookSecret(deps: { db: Db; now: () => Date }, userId: string): Promise<WebhookSecretView> {
  const keys = await ensureWebhookKeys(deps.db, { id: userId, make: newWebhookSecret, now: deps.now() });
  if (!keys) throw errors.unauthorized("The account no longer exists.");
  return viewOf(keys, deps.now());
}

export async function rotateWebhookSecret(
  deps: { db: Db; now: () => Date },
  userId: string,
): Promise<WebhookSecretView> {
  const now = deps.now();
  const keys = await rotateWebhookKeys(deps.db, {
    id: userId,
    secret: newWebhookSecret(),
    now,
    previousUntil: new Date(now.getTime() + ROTATION_OVERLAP_MS),
  });
  if (!keys) throw errors.unauthorized("The account no longer exists.");
  return viewOf(keys, now);
}

function viewOf(keys: WebhookKeys, now: Date): WebhookSecretView {
  const overlap = keys.previous && keys.previousUntil && keys.previousUntil > now ? keys.previousUntil : undefined;
  return {
    secret: keys.secret,
    createdAt: keys.createdAt.toISOString(),
    ...(overlap ? { previousValidUntil: overlap.toISOString() } : {}),
  };
}
