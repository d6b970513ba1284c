/**
 * The command table beyond the run family (which `_commands.ts` defines): Docker's command
 * set with usage lines, summaries and flags, and the top-level sections in Docker's help
 * order. Each command's code is imported lazily when it runs.
 *
 * @module
 */
import { b, FORMAT_FLAG, l, s } from "./_flags.ts";
import {
  buildFlags,
  commitFlags,
  eventsFlags,
  imagesFlags,
  inspectFlags,
  logsFlags,
  pruneFlags,
  psFlags,
  rmFlags,
  statsFlags,
  stopFlags,
  updateFlags,
} from "./_flag_tables.ts";
import { type CommandDef, RUN_FAMILY } from "./_commands.ts";

/**
 * Imports the command module `cmd_NAME.ts` through a template, not a literal: Deno loads the
 * module graph behind every literal `import("…")` at each start (for `berth run` the image
 * code and its npm packages came with `cmd_image.ts`: ~2 ms of every command). A template
 * with a literal prefix is still resolvable when published (`deno publish` warns about an
 * import of a plain variable). The `typeof import()` casts keep the modules type-checked
 * from here.
 */
const lazy = (name: string): Promise<unknown> => import(`./cmd_${name}.ts`);
const c = () => lazy("container") as Promise<typeof import("./cmd_container.ts")>;
const f = () => lazy("container_fs") as Promise<typeof import("./cmd_container_fs.ts")>;
const im = () => lazy("image") as Promise<typeof import("./cmd_image.ts")>;
const sy = () => lazy("system") as Promise<typeof import("./cmd_system.ts")>;
const ck = () => lazy("check") as Promise<typeof import("./cmd_check.ts")>;

const containerCommands: CommandDef[] = [
  ...RUN_FAMILY,
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
    name: "diff",
    usage: "diff CONTAINER",
    summary: "Inspect changes to files or directories on a container's filesystem",
    flags: [],
    minArgs: 1,
    maxArgs: 1,
    load: async () => (await f()).diff,
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
].sort((x, y) => x.name.localeCompare(y.name));

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
