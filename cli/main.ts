/**
 * The `berth` command line: Docker's commands, flags, output formats and exit codes,
 * talking to the Berth daemon over its Unix socket (started on demand).
 *
 * `berth run` sends its arguments to the daemon unparsed (`_run_client.ts`) and reads
 * them itself only when the daemon leaves them to it; every other command is read here
 * (`_dispatch.ts`). This module is the start-up graph of every command, so it stays small.
 *
 * @module
 */
import { VERSION } from "./_version.ts";
import { internalModule } from "./_lazy.ts";
import { forwardRun } from "./_run_client.ts";

export { VERSION };

/**
 * Runs the CLI with the given arguments.
 *
 * @param args Command-line arguments after `berth`.
 * @returns The process exit code.
 * @example
 * ```ts ignore
 * import { main } from "@berth/berth/cli";
 * Deno.exit(await main(["version"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  // `run` or `container run`, before any global flag.
  const at = args[0] === "run" ? 1 : args[0] === "container" && args[1] === "run" ? 2 : 0;
  if (at > 0) {
    try {
      const code = await forwardRun(args.slice(at));
      if (code !== undefined) return code;
    } catch (err) {
      return await (await dispatcher()).failure(err, false);
    }
  }
  return await (await dispatcher()).dispatch(args);
}

/** The rest of the CLI (see `_lazy.ts`). */
function dispatcher(): Promise<typeof import("./_dispatch.ts")> {
  return internalModule("dispatch") as Promise<typeof import("./_dispatch.ts")>;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
