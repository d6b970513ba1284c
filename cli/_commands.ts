/**
 * The command index: what `berth` dispatches on. The run family (`run`, `create`, `start`,
 * `attach`, `exec`) is defined here, and the code of `run` and `create` is in the start-up
 * graph: `berth run`'s start-up is measured, and a Deno CLI pays for all the code it loads
 * and runs (the whole table and its flags were ~1.2 ms of each start). Every other
 * command's definition is in `_command_table.ts`, loaded when one of them is asked for (and
 * by help and completion).
 *
 * @module
 */
import type { FlagSpec, ParsedArgs } from "./_args.ts";
import { b, CREATE_FLAGS, EXEC_FLAGS, s } from "./_flags.ts";
import type { Context } from "./_context.ts";
import * as runCommands from "./cmd_run.ts";
import { commandModule, internalModule } from "./_lazy.ts";

/** A command implementation. */
export type CommandFn = (ctx: Context, args: ParsedArgs) => Promise<number>;

/** A command or management sub-command. */
export interface CommandDef {
  /** Name ("run", "ls"). */
  name: string;
  /** Usage after "berth " ("run [OPTIONS] IMAGE [COMMAND] [ARG...]"). */
  usage: string;
  /** One-line summary. */
  summary: string;
  /** Flags. */
  flags: FlagSpec[];
  /** Whether flags may follow positionals (false for run/exec). */
  interspersed?: boolean;
  /** Other full names ("container run"). */
  aliases?: string[];
  /** Minimum positional count. */
  minArgs?: number;
  /** Maximum positional count. */
  maxArgs?: number;
  /** Loads the implementation. */
  load?: () => Promise<CommandFn>;
  /** Sub-commands of a management command. */
  sub?: CommandDef[];
}

/** `cmd_attach.ts` (start, attach, exec), imported when one of them runs. */
const sessionCommands = () => commandModule("attach") as Promise<typeof import("./cmd_attach.ts")>;

/** The run family: `attach`, `create`, `exec`, `run`, `start` (also `container` sub-commands). */
export const RUN_FAMILY: CommandDef[] = [
  {
    name: "attach",
    usage: "attach [OPTIONS] CONTAINER",
    summary: "Attach local standard input, output, and error streams to a running container",
    flags: [
      s("detach-keys", undefined, "Override the key sequence for detaching a container"),
      b("no-stdin", undefined, "Do not attach STDIN"),
      b("sig-proxy", undefined, "Proxy all received signals to the process (default true)"),
    ],
    minArgs: 1,
    maxArgs: 1,
    load: async () => (await sessionCommands()).attach,
  },
  {
    name: "create",
    usage: "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
    summary: "Create a new container",
    flags: CREATE_FLAGS,
    interspersed: false,
    minArgs: 1,
    load: () => Promise.resolve(runCommands.create),
  },
  {
    name: "exec",
    usage: "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
    summary: "Execute a command in a running container",
    flags: EXEC_FLAGS,
    interspersed: false,
    minArgs: 2,
    load: async () => (await sessionCommands()).exec,
  },
  {
    name: "run",
    usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
    summary: "Create and run a new container from an image",
    flags: CREATE_FLAGS,
    interspersed: false,
    minArgs: 1,
    load: () => Promise.resolve(runCommands.run),
  },
  {
    name: "start",
    usage: "start [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Start one or more stopped containers",
    flags: [
      b("attach", "a", "Attach STDOUT/STDERR and forward signals"),
      b("interactive", "i", "Attach container's STDIN"),
      s("detach-keys", undefined, "Override the key sequence for detaching a container"),
    ],
    minArgs: 1,
    load: async () => (await sessionCommands()).start,
  },
];

/** Global flags (before the command). */
export const GLOBAL_FLAGS: FlagSpec[] = [
  s("host", "H", "Daemon socket to connect to (unix:///path/berth.sock)", "string"),
  b("debug", "D", "Enable debug mode"),
  s(
    "log-level",
    "l",
    'Set the logging level ("debug", "info", "warn", "error", "fatal")',
    "string",
    "info",
  ),
  b("version", "v", "Print version information and quit"),
];

/**
 * The rest of the command table, imported when a command outside the run family, help or
 * completion asks for it (see `_lazy.ts`).
 *
 * @returns The table module.
 * @example
 * ```ts
 * import { commandTable } from "./_commands.ts";
 * console.assert((await commandTable()).TOP_LEVEL.common.length > 0);
 * ```
 */
export function commandTable(): Promise<typeof import("./_command_table.ts")> {
  return internalModule("command_table") as Promise<typeof import("./_command_table.ts")>;
}

/**
 * Find a top-level command by name.
 *
 * @param name The command name.
 * @returns Its definition, or undefined.
 * @example
 * ```ts
 * import { findCommand } from "./_commands.ts";
 * console.assert((await findCommand("ps"))?.name === "ps");
 * ```
 */
export async function findCommand(name: string): Promise<CommandDef | undefined> {
  const hot = RUN_FAMILY.find((x) => x.name === name);
  if (hot) return hot;
  const { TOP_LEVEL } = await commandTable();
  for (const list of [TOP_LEVEL.common, TOP_LEVEL.management, TOP_LEVEL.other]) {
    const hit = list.find((x) => x.name === name);
    if (hit) return hit;
  }
  return undefined;
}
