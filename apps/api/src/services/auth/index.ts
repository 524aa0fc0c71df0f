// The auth services' public face: what routes, app.ts and other features may use.
export {
  type AccountsDeps,
  adminsOnly,
  changePassword,
  createAccount,
  currentUser,
  login,
  logout,
  passwordChanged,
  register,
  registrationClosed,
  wrongPassword,
} from "./accounts";
export { createHashingGate } from "./hashing-gate";
export { createPasswords } from "./passwords";
export { createRevocation, type Revocation } from "./revocation";
export { type Claims, createTokens, type Tokens } from "./tokens";
export { rotateWebhookSecret, webhookSecret } from "./webhook-secrets";
