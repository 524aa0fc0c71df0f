// `bun run admin <grant|revoke|list|create> ...` from a checkout: the operator's admin command with the api's
// configuration. The compiled api runs the same command as `lineup-api admin ...` (index.ts); this entry spares a
// checkout loading the whole api to run it.
import { loadConfigOrExit } from "@lineup/config";
import { runAdminCommand } from "./cli/admin-command";

const config = loadConfigOrExit(process.env, "api");
process.exit(await runAdminCommand(process.argv.slice(2), config));
