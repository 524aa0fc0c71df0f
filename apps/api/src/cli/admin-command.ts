// The operator's admin command: `lineup-api admin <grant|revoke|list|create> ...` (`bun run admin ...` from a
// checkout). It reads the api's own configuration, works on the same MongoDB and Redis, prints what it changed, and
// answers with an exit code: 0 done, 1 failed (the message says what stands and what to do), 2 not understood.
// Errors are printed as `error: <code>: <message>`, the codes stable for scripts to match.
import type { Config } from "@lineup/config";
import { type Db, listUsersWithRole, type Mongo, type Role } from "@lineup/db";
import { AppError } from "@lineup/errors";
import type Redis from "ioredis";
import { EmailSchema, PasswordSchema } from "../schemas/auth";
import { createAudit, setRole } from "../services/admin";
import { createAccount, createHashingGate, createPasswords, createRevocation } from "../services/auth";
import { openMongo, openRedis } from "./connections";
import { passwordFromStdin } from "./password-input";

export const USAGE = `usage: lineup-api admin <command>      (from a checkout: bun run admin <command>)

  grant <email>    give the account the admin role
  revoke <email>   take the admin role away
  list             the accounts that have the admin role, one email a line
  create <email>   create an account (role user) whose password is read from standard input,
                   for when REGISTRATION is admin or closed and no admin exists yet

A grant or a revoke retires every token the account holds on its next request (401);
its next login carries the new role. The command uses the api's configuration (MONGO_URL, REDIS_URL, ...).`;

export type AdminIo = {
  out(line: string): void;
  err(line: string): void;
  /** Standard input as the password, or null when it is a terminal. */
  password(): Promise<string | null>;
};

const processIo: AdminIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  password: passwordFromStdin,
};

/** A failure the operator can act on: a stable code, a message, and 1 (failed) or 2 (not understood). */
class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

type Connections = { db(): Promise<Db>; redis(): Redis };

type Command = { args: number; run(args: string[], c: Connections, config: Config, io: AdminIo): Promise<void> };

const COMMANDS: Record<string, Command> = {
  grant: { args: 1, run: ([email], c, _config, io) => changeRole(c, io, emailOf(email), "admin") },
  revoke: { args: 1, run: ([email], c, _config, io) => changeRole(c, io, emailOf(email), "user") },
  list: { args: 0, run: (_args, c, _config, io) => listAdmins(c, io) },
  create: { args: 1, run: ([email], c, config, io) => create(c, config, io, emailOf(email)) },
};

/** Runs `admin <args>`; returns the exit code. Never throws: every failure is printed. */
export async function runAdminCommand(args: string[], config: Config, io: AdminIo = processIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || ["help", "--help", "-h"].includes(name)) {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command || rest.length !== command.args) {
    io.err(
      command
        ? `error: usage: admin ${name} takes ${command.args ? "one email" : "no arguments"}`
        : `error: usage: no admin command ${JSON.stringify(name)}`,
    );
    io.err(USAGE);
    return 2;
  }
  let mongo: Promise<Mongo> | undefined;
  let redis: Redis | undefined;
  const connections: Connections = {
    db: async () => {
      mongo ??= openMongo(config);
      return (
        await mongo.catch((err: Error) =>
          failed("mongo_unavailable", `MongoDB could not be reached (MONGO_URL): ${err.message}; nothing changed.`),
        )
      ).db;
    },
    redis: () => {
      redis ??= openRedis(config);
      return redis;
    },
  };
  try {
    await command.run(rest, connections, config, io);
    return 0;
  } catch (err) {
    if (err instanceof CommandError) {
      io.err(`error: ${err.code}: ${err.message}`);
      return err.exitCode;
    }
    io.err(`error: failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    redis?.disconnect();
    await mongo?.then((m) => m.client.close()).catch(() => undefined);
  }
}

function failed(code: string, message: string, exitCode: 1 | 2 = 1): never {
  throw new CommandError(code, message, exitCode);
}

/** The email as registration stores it (trimmed, lower-cased), or exit 2. */
function emailOf(text: string | undefined): string {
  const parsed = EmailSchema.safeParse(text);
  return parsed.success ? parsed.data : failed("invalid_email", `${JSON.stringify(text)} is not an email address.`, 2);
}

async function changeRole(c: Connections, io: AdminIo, email: string, role: Role): Promise<void> {
  const db = await c.db();
  const redis = c.redis();
  const change = await setRole(
    { db, revocation: createRevocation({ redis, db }), audit: createAudit({ db, now: () => new Date() }) },
    email,
    role,
  );
  if (!change) {
    failed("unknown_user", `no account has the email ${email}; register it first (or: admin create ${email}).`);
  }
  const now = role === "admin" ? "an admin" : "not an admin";
  if (change.cacheError) {
    const cause = change.cacheError instanceof AppError ? change.cacheError.cause : change.cacheError;
    failed(
      "redis_not_updated",
      `${email} is ${now} now in MongoDB, but Redis could not be updated (${(cause as Error)?.message ?? "no answer"}): ` +
        "tokens issued before may keep working until they expire. Run the same command again once Redis answers.",
    );
  }
  if (change.auditError) {
    failed(
      "audit_not_recorded",
      `${email} is ${now} now and tokens issued before stop working, but the audit trail could not record it ` +
        `(${change.auditError.message}).`,
    );
  }
  if (!change.changed) {
    io.out(`${email} ${role === "admin" ? "is an admin already" : "is not an admin"}; nothing changed.`);
    return;
  }
  const verb = role === "admin" ? "granted" : "revoked";
  io.out(
    `${verb}: ${email} is ${now} now. Tokens issued before stop working on their next request; ` +
      `its next login carries the ${role} role.`,
  );
}

async function listAdmins(c: Connections, io: AdminIo): Promise<void> {
  const admins = await listUsersWithRole(await c.db(), "admin");
  // Emails alone on standard output, for scripts; the empty case is said on standard error.
  if (!admins.length) io.err("no account has the admin role (grant it with: admin grant <email>)");
  for (const user of admins) io.out(user.email);
}

async function create(c: Connections, config: Config, io: AdminIo, email: string): Promise<void> {
  const password = await io.password();
  if (password === null) {
    failed(
      "password_from_terminal",
      `the password is read from standard input, not a terminal: printf '%s' "$PASSWORD" | lineup-api admin create ${email}`,
      2,
    );
  }
  const checked = PasswordSchema.safeParse(password);
  if (!checked.success) {
    failed(
      "invalid_password",
      `the password on standard input: ${checked.error.issues[0]?.message ?? "not valid"}.`,
      2,
    );
  }
  // One hash, for this one account: the gate only bounds the api's concurrent hashing.
  const passwords = createPasswords({
    cost: config.bcryptCost,
    gate: createHashingGate({ slots: 1, maxWaitMs: 60_000 }),
  });
  try {
    const user = await createAccount(
      { db: await c.db(), passwords, now: () => new Date() },
      { email, password: checked.data },
    );
    io.out(`created: ${user.email} (role user). To make it an admin: admin grant ${user.email}`);
  } catch (err) {
    if (err instanceof AppError && err.code === "email_taken")
      failed("email_taken", `${email} has an account already.`);
    throw err;
  }
}
