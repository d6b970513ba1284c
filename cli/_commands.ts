/**
 * The command table: Docker's command set with usage lines, summaries and flags. Each
 * command's code is imported lazily when it runs, so `berth` starts fast.
 *
 * @module
 */
import type { FlagSpec, ParsedArgs } from "./_args.ts";
import {
  b,
  buildFlags,
  commitFlags,
  CREATE_FLAGS,
  eventsFlags,
  EXEC_FLAGS,
  FORMAT_FLAG,
  imagesFlags,
  inspectFlags,
  l,
  logsFlags,
  pruneFlags,
  psFlags,
  rmFlags,
  s,
  statsFlags,
  stopFlags,
  updateFlags,
} from "./_flags.ts";
import type { Context } from "./_context.ts";
import * as runCommands from "./cmd_run.ts";

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

/**
 * Imports the command module `cmd_NAME.ts` through a template, not a literal: Deno loads the
 * module graph behind every literal `import("…")` at each start (for `berth run` the image
 * code and its npm packages came with `cmd_image.ts`: ~2 ms of every command). A template
 * with a literal prefix is still resolvable when published (`deno publish` warns about an
 * import of a plain variable). The `typeof import()` casts keep the modules type-checked
 * from here. `run`, `create`, `start`, `attach` and `exec` come with the table: their
 * modules are small, and `berth run`'s start-up is measured (an import() at run time cost
 * ~1 ms more than the same modules in the start-up graph).
 */
const lazy = (name: string): Promise<unknown> => import(`./cmd_${name}.ts`);
const c = () => lazy("container") as Promise<typeof import("./cmd_container.ts")>;
const r = () => Promise.resolve(runCommands);
const f = () => lazy("container_fs") as Promise<typeof import("./cmd_container_fs.ts")>;
const im = () => lazy("image") as Promise<typeof import("./cmd_image.ts")>;
const sy = () => lazy("system") as Promise<typeof import("./cmd_system.ts")>;
const ck = () => lazy("check") as Promise<typeof import("./cmd_check.ts")>;

const containerCommands: CommandDef[] = [
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
    load: async () => (await r()).attach,
  },
  {
    name: "commit",
    usage: "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    summary: "Create a new image from a container's changes",
    flags: commitFlags,
    minArgs: 1,
    maxArgs: 2,
    load: async () => (await f()).commit,
  },
  {
    name: "cp",
    usage:
      "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    summary: "Copy files/folders between a container and the local filesystem",
    flags: [
      b("archive", "a", "Archive mode (copy all uid/gid information)"),
      b("follow-link", "L", "Always follow symbol link in SRC_PATH"),
      b("quiet", "q", "Suppress progress output during copy"),
    ],
    minArgs: 2,
    maxArgs: 2,
    load: async () => (await f()).cp,
  },
  {
    name: "create",
    usage: "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
    summary: "Create a new container",
    flags: CREATE_FLAGS,
    interspersed: false,
    minArgs: 1,
    load: async () => (await r()).create,
  },
  {
    name: "diff",
    usage: "diff CONTAINER",
    summary: "Inspect changes to files or directories on a container's filesystem",
    flags: [],
    minArgs: 1,
    maxArgs: 1,
    load: async () => (await f()).diff,
  },
  {
    name: "exec",
    usage: "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
    summary: "Execute a command in a running container",
    flags: EXEC_FLAGS,
    interspersed: false,
    minArgs: 2,
    load: async () => (await r()).exec,
  },
  {
    name: "export",
    usage: "export [OPTIONS] CONTAINER",
    summary: "Export a container's filesystem as a tar archive",
    flags: [s("output", "o", "Write to a file, instead of STDOUT")],
    minArgs: 1,
    maxArgs: 1,
    load: async () => (await f()).exportContainer,
  },
  {
    name: "inspect",
    usage: "inspect [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Display detailed information on one or more containers",
    flags: inspectFlags,
    minArgs: 1,
    load: async () => (await c()).inspectContainer,
  },
  {
    name: "kill",
    usage: "kill [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Kill one or more running containers",
    flags: [s("signal", "s", "Signal to send to the container")],
    minArgs: 1,
    load: async () => (await c()).kill,
  },
  {
    name: "logs",
    usage: "logs [OPTIONS] CONTAINER",
    summary: "Fetch the logs of a container",
    flags: logsFlags,
    minArgs: 1,
    maxArgs: 1,
    load: async () => (await c()).logs,
  },
  {
    name: "ls",
    usage: "container ls [OPTIONS]",
    summary: "List containers",
    flags: psFlags,
    maxArgs: 0,
    aliases: ["container list", "container ps", "ps"],
    load: async () => (await c()).ps,
  },
  {
    name: "pause",
    usage: "pause CONTAINER [CONTAINER...]",
    summary: "Pause all processes within one or more containers",
    flags: [],
    minArgs: 1,
    load: async () => (await c()).pause,
  },
  {
    name: "port",
    usage: "port CONTAINER [PRIVATE_PORT[/PROTO]]",
    summary:
      "List port mappings or a specific mapping for the container (none: Berth has no networking yet)",
    flags: [],
    minArgs: 1,
    maxArgs: 2,
    load: async () => (await c()).port,
  },
  {
    name: "prune",
    usage: "container prune [OPTIONS]",
    summary: "Remove all stopped containers",
    flags: pruneFlags,
    maxArgs: 0,
    load: async () => (await c()).prune,
  },
  {
    name: "rename",
    usage: "rename CONTAINER NEW_NAME",
    summary: "Rename a container",
    flags: [],
    minArgs: 2,
    maxArgs: 2,
    load: async () => (await c()).rename,
  },
  {
    name: "restart",
    usage: "restart [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Restart one or more containers",
    flags: stopFlags,
    minArgs: 1,
    load: async () => (await c()).restart,
  },
  {
    name: "rm",
    usage: "rm [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Remove one or more containers",
    flags: rmFlags,
    minArgs: 1,
    load: async () => (await c()).rm,
  },
  {
    name: "run",
    usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
    summary: "Create and run a new container from an image",
    flags: CREATE_FLAGS,
    interspersed: false,
    minArgs: 1,
    load: async () => (await r()).run,
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
    load: async () => (await r()).start,
  },
  {
    name: "stats",
    usage: "stats [OPTIONS] [CONTAINER...]",
    summary: "Display a live stream of container(s) resource usage statistics",
    flags: statsFlags,
    load: async () => (await c()).stats,
  },
  {
    name: "stop",
    usage: "stop [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Stop one or more running containers",
    flags: stopFlags,
    minArgs: 1,
    load: async () => (await c()).stop,
  },
  {
    name: "top",
    usage: "top CONTAINER [ps OPTIONS]",
    summary: "Display the running processes of a container",
    flags: [],
    interspersed: false,
    minArgs: 1,
    load: async () => (await c()).top,
  },
  {
    name: "unpause",
    usage: "unpause CONTAINER [CONTAINER...]",
    summary: "Unpause all processes within one or more containers",
    flags: [],
    minArgs: 1,
    load: async () => (await c()).unpause,
  },
  {
    name: "update",
    usage: "update [OPTIONS] CONTAINER [CONTAINER...]",
    summary: "Update configuration of one or more containers",
    flags: updateFlags,
    minArgs: 1,
    load: async () => (await c()).update,
  },
  {
    name: "wait",
    usage: "wait CONTAINER [CONTAINER...]",
    summary: "Block until one or more containers stop, then print their exit codes",
    flags: [],
    minArgs: 1,
    load: async () => (await c()).wait,
  },
];

const imageCommands: CommandDef[] = [
  {
    name: "build",
    usage: "build [OPTIONS] PATH | URL | -",
    summary: "Build an image from a Dockerfile",
    flags: buildFlags,
    minArgs: 1,
    maxArgs: 1,
    load: async () => (await im()).build,
  },
  {
    name: "history",
    usage: "history [OPTIONS] IMAGE",
    summary: "Show the history of an image",
    flags: [
      FORMAT_FLAG,
      b("human", "H", "Print sizes and dates in human readable format (default true)"),
      b("no-trunc", undefined, "Don't truncate output"),
      b("quiet", "q", "Only show image IDs"),
    ],
    minArgs: 1,
    maxArgs: 1,
    load: async () => (await im()).history,
  },
  {
    name: "import",
    usage: "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    summary: "Import the contents from a tarball to create a filesystem image",
    flags: [
      l("change", "c", "Apply Dockerfile instruction to the created image"),
      s("message", "m", "Set commit message for imported image"),
    ],
    minArgs: 1,
    maxArgs: 2,
    load: async () => (await im()).importImage,
  },
  {
    name: "inspect",
    usage: "image inspect [OPTIONS] IMAGE [IMAGE...]",
    summary: "Display detailed information on one or more images",
    flags: [{ ...FORMAT_FLAG, short: "f" }],
    minArgs: 1,
    load: async () => (await im()).inspectImage,
  },
  {
    name: "load",
    usage: "load [OPTIONS]",
    summary: "Load an image from a tar archive or STDIN",
    flags: [
      s("input", "i", "Read from tar archive file, instead of STDIN"),
      b("quiet", "q", "Suppress the load output"),
    ],
    maxArgs: 0,
    load: async () => (await im()).load,
  },
  {
    name: "ls",
    usage: "image ls [OPTIONS] [REPOSITORY[:TAG]]",
    summary: "List images",
    flags: imagesFlags,
    maxArgs: 1,
    aliases: ["image list", "images"],
    load: async () => (await im()).images,
  },
  {
    name: "prune",
    usage: "image prune [OPTIONS]",
    summary: "Remove unused images",
    flags: [b("all", "a", "Remove all unused images, not just dangling ones"), ...pruneFlags],
    maxArgs: 0,
    load: async () => (await im()).prune,
  },
  {
    name: "rm",
    usage: "rmi [OPTIONS] IMAGE [IMAGE...]",
    summary: "Remove one or more images",
    flags: [
      b("force", "f", "Force removal of the image"),
      b("no-prune", undefined, "Do not delete untagged parents"),
    ],
    minArgs: 1,
    aliases: ["image remove", "rmi"],
    load: async () => (await im()).rmi,
  },
  {
    name: "save",
    usage: "save [OPTIONS] IMAGE [IMAGE...]",
    summary: "Save one or more images to a tar archive (streamed to STDOUT by default)",
    flags: [s("output", "o", "Write to a file, instead of STDOUT")],
    minArgs: 1,
    load: async () => (await im()).save,
  },
  {
    name: "tag",
    usage: "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    flags: [],
    minArgs: 2,
    maxArgs: 2,
    load: async () => (await im()).tag,
  },
];

const systemCommands: CommandDef[] = [
  {
    name: "df",
    usage: "system df [OPTIONS]",
    summary: "Show docker disk usage",
    flags: [FORMAT_FLAG, b("verbose", "v", "Show detailed information on space usage")],
    maxArgs: 0,
    load: async () => (await sy()).df,
  },
  {
    name: "events",
    usage: "events [OPTIONS]",
    summary: "Get real time events from the server",
    flags: eventsFlags,
    maxArgs: 0,
    load: async () => (await sy()).events,
  },
  {
    name: "info",
    usage: "info [OPTIONS]",
    summary: "Display system-wide information",
    flags: [FORMAT_FLAG],
    maxArgs: 0,
    load: async () => (await sy()).info,
  },
  {
    name: "prune",
    usage: "system prune [OPTIONS]",
    summary: "Remove unused data",
    flags: [
      b("all", "a", "Remove all unused images not just dangling ones"),
      ...pruneFlags,
      b("volumes", undefined, "Prune anonymous volumes"),
    ],
    maxArgs: 0,
    load: async () => (await sy()).systemPrune,
  },
  {
    name: "check",
    usage: "system check [OPTIONS]",
    summary: "Verify every blob, image, layer and container state file",
    flags: [b("repair", undefined, "Remove what interrupted work left behind (daemon stopped)")],
    maxArgs: 0,
    load: async () => (await ck()).systemCheck,
  },
  {
    name: "shutdown",
    usage: "system shutdown",
    summary: "Stop the Berth daemon (stopping its containers first)",
    flags: [],
    maxArgs: 0,
    load: async () => (await sy()).shutdown,
  },
];

const findSub = (list: CommandDef[], name: string): CommandDef =>
  list.find((x) => x.name === name)!;

/** Top-level commands by section, in Docker's help order. */
export const TOP_LEVEL: { common: CommandDef[]; management: CommandDef[]; other: CommandDef[] } = {
  common: [
    findSub(containerCommands, "run"),
    findSub(containerCommands, "exec"),
    { ...findSub(containerCommands, "ls"), name: "ps", usage: "ps [OPTIONS]" },
    findSub(imageCommands, "build"),
    {
      ...findSub(imageCommands, "ls"),
      name: "images",
      usage: "images [OPTIONS] [REPOSITORY[:TAG]]",
    },
    findSub(systemCommands, "info"),
    {
      name: "version",
      usage: "version [OPTIONS]",
      summary: "Show the Berth version information",
      flags: [FORMAT_FLAG],
      maxArgs: 0,
      load: async () => (await sy()).version,
    },
  ],
  management: [
    {
      name: "container",
      usage: "container COMMAND",
      summary: "Manage containers",
      flags: [],
      sub: containerCommands,
    },
    {
      name: "image",
      usage: "image COMMAND",
      summary: "Manage images",
      flags: [],
      sub: imageCommands,
    },
    {
      name: "builder",
      usage: "builder COMMAND",
      summary: "Manage builds",
      flags: [],
      sub: [{
        name: "prune",
        usage: "builder prune [OPTIONS]",
        summary: "Remove build cache",
        flags: [
          b("all", "a", "Remove all unused build cache, not just dangling ones"),
          l("filter", undefined, 'Provide filter values (e.g. "until=24h")'),
          b("force", "f", "Do not prompt for confirmation"),
        ],
        maxArgs: 0,
        load: async () => (await ck()).builderPrune,
      }],
    },
    {
      name: "system",
      usage: "system COMMAND",
      summary: "Manage Berth",
      flags: [],
      sub: systemCommands,
    },
    {
      name: "daemon",
      usage: "daemon [stop]",
      summary: 'Run the Berth daemon in the foreground ("daemon stop" stops it)',
      flags: [b("quiet", "q", "Log nothing")],
      maxArgs: 1,
      load: async () => (await sy()).daemon,
    },
  ],
  other: [
    ...[
      "attach",
      "commit",
      "cp",
      "create",
      "diff",
      "export",
      "kill",
      "logs",
      "pause",
      "port",
      "rename",
      "restart",
      "rm",
      "start",
      "stats",
      "stop",
      "top",
      "unpause",
      "update",
      "wait",
    ].map((n) => findSub(containerCommands, n)),
    findSub(systemCommands, "events"),
    ...["history", "import", "load", "save", "tag"].map((n) => findSub(imageCommands, n)),
    { ...findSub(imageCommands, "rm"), name: "rmi" },
    {
      name: "inspect",
      usage: "inspect [OPTIONS] NAME|ID [NAME|ID...]",
      summary: "Return low-level information on Berth objects",
      flags: inspectFlags,
      minArgs: 1,
      load: async () => (await c()).inspectAny,
    },
    {
      name: "completion",
      usage: "completion bash|zsh|fish",
      summary: "Print a shell completion script",
      flags: [],
      minArgs: 1,
      maxArgs: 1,
      load: async () =>
        (await (lazy("completion") as Promise<typeof import("./cmd_completion.ts")>))
          .completion,
    },
  ],
};

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
 * Find a top-level command by name.
 *
 * @param name The command name.
 * @returns Its definition, or undefined.
 * @example
 * ```ts
 * import { findCommand } from "./_commands.ts";
 * console.assert(findCommand("run")?.name === "run");
 * ```
 */
export function findCommand(name: string): CommandDef | undefined {
  for (const list of [TOP_LEVEL.common, TOP_LEVEL.management, TOP_LEVEL.other]) {
    const hit = list.find((x) => x.name === name);
    if (hit) return hit;
  }
  return undefined;
}
