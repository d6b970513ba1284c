/**
 * The daemon program as the CLI starts it (in the background, and as `berth daemon`):
 * `runtime/daemon/main.ts` with the CLI's reader of `berth run`'s command line, so that
 * `berth run` can send its arguments unparsed (`_run_client.ts`).
 *
 * @module
 */
import { runCommandLines } from "../runtime/daemon/api_run.ts";
import { daemonProgram } from "../runtime/daemon/main.ts";
import { readRunCommandLine } from "./_run_request.ts";

runCommandLines.read = readRunCommandLine;

if (import.meta.main) Deno.exit(await daemonProgram());
