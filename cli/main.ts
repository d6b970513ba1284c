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
// an import() at run time costs more than the same modules in the start-up graph.
import { type Context, makeContext } from "./_context.ts";
import { internalModule } from "./_lazy.ts";

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
    return await failure(err, ctx);
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

/** A command's failure: its message and exit code. */
async function failure(err: unknown, ctx: Context): Promise<number> {
  // A reader that went away (`berth export c | head`) is not an error worth a message.
  if (err instanceof Deno.errors.BrokenPipe) return 0;
  const { explainError } = await import("./_errors.ts");
  const { message, code } = explainError(err, ctx.debug);
  if (message) console.error(message);
  return code;
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

/** A usage error's message and Docker's exit code 125 (other errors are thrown on). */
async function usageFailure(err: unknown, shown: string, cmd?: CommandDef): Promise<number> {
  if (!(err instanceof UsageError)) throw err;
  console.error((await helpTexts()).usageMessage(err.message, shown, cmd));
  return 125;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
