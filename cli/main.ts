/**
 * The `berth` command line: Docker's commands, flags, output formats and exit codes,
 * talking to the Berth daemon over its Unix socket (started on demand).
 *
 * @module
 */
import { parseArgs, UsageError } from "./_args.ts";
import { type CommandDef, findCommand, GLOBAL_FLAGS } from "./_commands.ts";

import { VERSION } from "./_version.ts";
// Static: every daemon command needs it, and for `berth run` (whose start-up is measured)
// an import() at run time cost ~1 ms more than the same modules in the start-up graph.
import { makeContext } from "./_context.ts";

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
  // Global flags stop at the first positional (the command).
  let globals;
  try {
    globals = parseArgs(args, GLOBAL_FLAGS, false);
  } catch (err) {
    return usageFailure(err, "berth");
  }
  const [name, ...rest] = globals.positionals;
  if (globals.flags.version === true) {
    console.log(`Berth version ${VERSION}, build berth`);
    return 0;
  }
  if (name === undefined || name === "help" || globals.flags.help === true) {
    const { mainHelp } = await import("./_help.ts");
    console.log(mainHelp());
    return name === undefined && globals.flags.help !== true ? 0 : 0;
  }
  let cmd: CommandDef | undefined = findCommand(name);
  let parent: string | undefined;
  let cmdArgs = rest;
  if (!cmd) {
    console.error(`berth: '${name}' is not a berth command.\nSee 'berth --help'`);
    return 125;
  }
  if (cmd.sub) {
    const subName = cmdArgs[0];
    if (subName === undefined || subName === "--help" || subName === "-h" || subName === "help") {
      const { commandHelp } = await import("./_help.ts");
      console.log(commandHelp(cmd));
      return 0;
    }
    const sub: CommandDef | undefined = cmd.sub.find((c) =>
      c.name === subName || (c.aliases ?? []).includes(`${cmd!.name} ${subName}`)
    );
    if (!sub) {
      console.error(
        `berth: '${cmd.name} ${subName}' is not a berth command.\nSee 'berth ${cmd.name} --help'`,
      );
      return 125;
    }
    parent = cmd.name;
    cmd = sub;
    cmdArgs = cmdArgs.slice(1);
  }
  const shown = parent ? `${parent} ${cmd.name}` : cmd.name;
  let parsed;
  try {
    parsed = parseArgs(cmdArgs, cmd.flags, cmd.interspersed ?? true);
  } catch (err) {
    return usageFailure(err, shown, cmd);
  }
  if (parsed.flags.help === true) {
    const { commandHelp } = await import("./_help.ts");
    console.log(commandHelp(cmd, parent));
    return 0;
  }
  const n = parsed.positionals.length;
  if (
    (cmd.minArgs !== undefined && n < cmd.minArgs) || (cmd.maxArgs !== undefined && n > cmd.maxArgs)
  ) {
    const want = cmd.minArgs === cmd.maxArgs
      ? `exactly ${cmd.minArgs} argument${cmd.minArgs === 1 ? "" : "s"}`
      : n < (cmd.minArgs ?? 0)
      ? `at least ${cmd.minArgs} argument${cmd.minArgs === 1 ? "" : "s"}`
      : cmd.maxArgs === 0
      ? "no arguments"
      : `at most ${cmd.maxArgs} argument${cmd.maxArgs === 1 ? "" : "s"}`;
    console.error(
      `berth: '${shown}' requires ${want}.\nSee 'berth ${shown} --help'.\n\nUsage:  berth ${cmd.usage}\n\n${cmd.summary}`,
    );
    return 125;
  }
  const root = stateRootFast();
  const host = typeof globals.flags.host === "string"
    ? globals.flags.host
    : Deno.env.get("BERTH_HOST");
  const socketPath = host ? host.replace(/^unix:\/\//, "") : `${root}/berth.sock`;
  const ctx = makeContext(root, socketPath, globals.flags.debug === true);
  try {
    const run = await cmd.load!();
    return await run(ctx, parsed);
  } catch (err) {
    // A reader that went away (`berth export c | head`) is not an error worth a message.
    if (err instanceof Deno.errors.BrokenPipe) return 0;
    const { explainError } = await import("./_errors.ts");
    const { message, code } = explainError(err, ctx.debug);
    if (message) console.error(message);
    return code;
  }
}

/** `stateRoot()` of image/state_root.ts without loading node:path (start-up time). */
function stateRootFast(): string {
  const env = (k: string) => Deno.env.get(k);
  const root = env("BERTH_ROOT");
  if (root) return root;
  const xdg = env("XDG_DATA_HOME");
  if (xdg) return `${xdg.replace(/\/+$/, "")}/berth`;
  return `${env("HOME") ?? "/root"}/.local/share/berth`;
}

function usageFailure(err: unknown, shown: string, cmd?: CommandDef): number {
  if (!(err instanceof UsageError)) throw err;
  console.error(
    `${err.message}\nSee 'berth ${shown} --help'.${
      cmd ? `\n\nUsage:  berth ${cmd.usage}\n\n${cmd.summary}` : ""
    }`,
  );
  return 125;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
