// Request and response schemas of the accounts routes.
import { z } from "zod";
import {
  exampleCredentials,
  examplePasswordChange,
  exampleRotatedWebhookSecret,
  exampleToken,
  exampleUser,
  exampleWebhookSecret,
} from "./examples";

/** Trimmed and lower-cased before it is stored or looked up. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .email("Must be an email address")
  .max(254)
  // RFC 5321: the part before the @ is at most 64 characters.
  .refine((email) => email.indexOf("@") <= 64, "Must have at most 64 characters before the @");

/** 8 to 256 characters; Bun.password pre-hashes past bcrypt's 72 bytes, so nothing is truncated. */
export const PasswordSchema = z
  .string()
  .min(8, "Must be at least 8 characters")
  .max(256, "Must be at most 256 characters");

export const CredentialsSchema = z
  .object({ email: EmailSchema, password: PasswordSchema })
  .meta({ id: "Credentials", examples: [exampleCredentials] });

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(["user", "admin"]),
    createdAt: z.string().describe("ISO 8601 timestamp"),
  })
  .meta({ id: "User", description: "An account", examples: [exampleUser] });

export const TokenSchema = z
  .object({
    accessToken: z.string().describe("Send it as Authorization: Bearer <accessToken>"),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().describe("Seconds until the token expires"),
  })
  .meta({ id: "Token", description: "A bearer token for the account", examples: [exampleToken] });

export type Credentials = z.infer<typeof CredentialsSchema>;
export type UserView = z.infer<typeof UserSchema>;

export const PasswordChangeSchema = z
  .object({
    currentPassword: z.string().min(1).max(256),
    newPassword: PasswordSchema,
  })
  .meta({ id: "PasswordChange", examples: [examplePasswordChange] });
export type PasswordChange = z.infer<typeof PasswordChangeSchema>;

export const WebhookSecretSchema = z
  .object({
    secret: z
      .string()
      .describe("whsec_ and a base64 key: give it whole to a Standard Webhooks library's Webhook(secret).verify"),
    createdAt: z.string(),
    previousValidUntil: z
      .string()
      .optional()
      .describe("After a rotation: until then, deliveries carry a second signature made with the secret before"),
  })
  .meta({
    id: "WebhookSecret",
    description: "The key that signs your jobs' webhooks (webhook-signature), per Standard Webhooks",
    examples: [exampleWebhookSecret, exampleRotatedWebhookSecret],
  });
