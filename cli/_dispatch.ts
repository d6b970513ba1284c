/**
 * The `berth` command line read by the CLI: global flags, the command (and a management
 * command's sub-command), its flags and arguments, help, usage errors and failures with
 * Docker's messages and exit codes. `main.ts` comes here for every command but a
 * `berth run` the daemon reads itself (`_run_client.ts`).
 *
 * @module
 */
import { parseArgs, UsageError } from "./_args.ts";
import { type CommandDef, findCommand, GLOBAL_FLAGS } from "./_commands.ts";

import { VERSION } from "./_version.ts";
import { cliContext } from "./_context.ts";
import { internalModule } from "./_lazy.ts";

/**
 * Run a command line.
 *
 * @param args Command-line arguments after `berth`.
 * @returns The process exit code.
 * @example
 * ```ts ignore
 * Deno.exit(await dispatch(["version"]));
 * ```
 */
export async function dispatch(args: string[]): Promise<number> {
  // Global flags stop at the first positional (the command). The path of a command that
  // runs is kept to small functions: V8 compiles a function when it first runs (~25 µs per
  // small function on our machines, every start), so help and mistakes live apart.
  let globals;
  try {
    globals = parseArgs(args, GLOBAL_FLAGS, false);
  } catch (err) {
    return await usageFailure(err, "");
  }
  const [name, ...rest] = globals.positionals;
  if (globals.flags.version === true) {
    console.log(`Berth version ${VERSION}, build berth`);
    return 0;
  }
  if (name === undefined || name === "help" || globals.flags.help === true) return await help();
  const found = await resolveCommand(name, rest);
  if (typeof found === "number") return found;
  const { cmd, shown, parent } = found;
  let parsed;
  try {
    parsed = parseArgs(found.args, cmd.flags, cmd.interspersed ?? true);
  } catch (err) {
    return await usageFailure(err, shown, cmd);
  }
  if (parsed.flags.help === true) return await help(cmd, parent);
  const n = parsed.positionals.length;
  if (
    (cmd.minArgs !== undefined && n < cmd.minArgs) || (cmd.maxArgs !== undefined && n > cmd.maxArgs)
  ) {
    return await arityFailure(cmd, shown, n);
  }
  const ctx = cliContext(globals.flags.host, globals.flags.debug === true);
  try {
    const run = await cmd.load!();
    return await run(ctx, parsed);
  } catch (err) {
    return await failure(err, ctx.debug);
  }
}

/** The help module (help and usage texts), imported when asked for (see `_lazy.ts`). */
function helpTexts(): Promise<typeof import("./_help.ts")> {
  return internalModule("help") as Promise<typeof import("./_help.ts")>;
}

/** Print the main help, or a command's. */
async function help(cmd?: CommandDef, parent?: string): Promise<number> {
  const { mainHelp, commandHelp } = await helpTexts();
  console.log(cmd ? commandHelp(cmd, parent) : mainHelp());
  return 0;
}

/** The command named by `name` (and a sub-command's name in `rest`), or the exit code. */
async function resolveCommand(
  name: string,
  rest: string[],
): Promise<{ cmd: CommandDef; shown: string; args: string[]; parent?: string } | number> {
  const cmd = await findCommand(name);
  if (!cmd) {
    console.error(`berth: '${name}' is not a berth command.\nSee 'berth --help'`);
    return 125;
  }
  if (!cmd.sub) return { cmd, shown: cmd.name, args: rest };
  const subName = rest[0];
  if (subName === undefined || subName === "--help" || subName === "-h" || subName === "help") {
    return await help(cmd);
  }
  const sub = cmd.sub.find((c) =>
    c.name === subName || (c.aliases ?? []).includes(`${cmd.name} ${subName}`)
  );
  if (!sub) {
    console.error(
      `berth: '${cmd.name} ${subName}' is not a berth command.\nSee 'berth ${cmd.name} --help'`,
    );
    return 125;
  }
  return { cmd: sub, shown: `${cmd.name} ${sub.name}`, args: rest.slice(1), parent: cmd.name };
}

/** Docker's message for a wrong number of arguments (exit 125). */
async function arityFailure(cmd: CommandDef, shown: string, n: number): Promise<number> {
  console.error((await helpTexts()).arityMessage(cmd, shown, n));
  return 125;
}

/**
 * A command's failure: its message and exit code.
 *
 * @param err What the command threw.
 * @param debug Include stack traces (`-D`).
 * @returns The exit code.
 * @example
 * ```ts ignore
 * return await failure(err, false);
 * ```
 */
export async function failure(err: unknown, debug: boolean): Promise<number> {
  // A reader that went away (`berth export c | head`) is not an error worth a message.
  if (err instanceof Deno.errors.BrokenPipe) return 0;
  const { explainError } = await import("./_errors.ts");
  const { message, code } = explainError(err, debug);
  if (message) console.error(message);
  return code;
}

/** A usage error's message and Docker's exit code 125 (other errors are thrown on). */
async function usageFailure(err: unknown, shown: string, cmd?: CommandDef): Promise<number> {
  if (!(err instanceof UsageError)) throw err;
  console.error((await helpTexts()).usageMessage(err.message, shown, cmd));
  return 125;
}
