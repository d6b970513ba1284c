/**
 * Flag constructors, `--format`, and the flag tables of the run family (`run`/`create`,
 * `exec`), which come with `berth`'s start-up graph. The other commands' tables are in
 * `_flag_tables.ts`, loaded with the rest of the command table.
 *
 * @module
 */
import type { FlagSpec } from "./_args.ts";

/** A boolean flag. */
export function b(name: string, short: string | undefined, description: string): FlagSpec {
  return { name, short, type: "bool", description };
}

/** A string flag. */
export function s(
  name: string,
  short: string | undefined,
  description: string,
  valueName = "string",
  def?: string,
): FlagSpec {
  return { name, short, type: "string", description, valueName, default: def };
}

/** A repeatable flag. */
export function l(name: string, short: string | undefined, description: string): FlagSpec {
  return { name, short, type: "list", description, valueName: "list" };
}

/** An integer flag. */
export function i(
  name: string,
  short: string | undefined,
  description: string,
  def?: string,
): FlagSpec {
  return { name, short, type: "int", description, valueName: "int", default: def };
}

/** `--format` as Docker's list commands describe it. */
export const FORMAT_FLAG: FlagSpec = s(
  "format",
  undefined,
  `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template`,
);

/** Flags of `run` and `create`. */
export const CREATE_FLAGS: FlagSpec[] = [
  l("attach", "a", "Attach to STDIN, STDOUT or STDERR"),
  s("cidfile", undefined, "Write the container ID to the file"),
  i("cpu-period", undefined, "Limit CPU CFS (Completely Fair Scheduler) period"),
  i("cpu-quota", undefined, "Limit CPU CFS (Completely Fair Scheduler) quota"),
  i("cpu-shares", "c", "CPU shares (relative weight)"),
  s("cpus", undefined, "Number of CPUs", "decimal"),
  b("detach", "d", "Run container in background and print container ID"),
  s("entrypoint", undefined, "Overwrite the default ENTRYPOINT of the image"),
  l("env", "e", "Set environment variables"),
  l("env-file", undefined, "Read in a file of environment variables"),
  s("hostname", "h", "Container host name"),
  b(
    "init",
    undefined,
    "Run an init inside the container that forwards signals and reaps processes",
  ),
  b("interactive", "i", "Keep STDIN open even if not attached"),
  s("ipc", undefined, "IPC mode to use (private, shareable, container:<name|id>, host)"),
  l("label", "l", "Set meta data on a container"),
  l("log-opt", undefined, "Log driver options (max-size, max-file)"),
  s("memory", "m", "Memory limit", "bytes"),
  s("memory-swap", undefined, "Accepted and ignored: Berth has no swap", "bytes"),
  l("mount", undefined, "Attach a filesystem mount to the container (type=bind|tmpfs)"),
  s("name", undefined, "Assign a name to the container"),
  s("network", undefined, 'Accepted for compatibility: only "none" exists (no networking yet)'),
  s("pid", undefined, "PID namespace to use (private, container:<name|id>, host)"),
  i("pids-limit", undefined, "Tune container pids limit (set -1 for unlimited)"),
  b("privileged", undefined, "Accepted and ignored: nothing is privileged in the emulated kernel"),
  b("read-only", undefined, "Mount the container's root filesystem as read only"),
  s("restart", undefined, "Restart policy to apply when a container exits", "string", "no"),
  b(
    "rm",
    undefined,
    "Automatically remove the container and its associated anonymous volumes when it exits",
  ),
  b("sig-proxy", undefined, "Proxy received signals to the process (default true)"),
  s("stop-signal", undefined, "Signal to stop the container"),
  i("stop-timeout", undefined, "Timeout (in seconds) to stop a container"),
  l("tmpfs", undefined, "Mount a tmpfs directory"),
  b("tty", "t", "Allocate a pseudo-TTY"),
  s("user", "u", "Username or UID (format: <name|uid>[:<group|gid>])"),
  s("uts", undefined, "UTS namespace to use"),
  l("volume", "v", "Bind mount a volume"),
  s("workdir", "w", "Working directory inside the container"),
  s(
    "pull",
    undefined,
    'Pull image before running ("missing", "never"; no registry yet)',
    "string",
    "missing",
  ),
  b("quiet", "q", "Suppress the pull output"),
  s("platform", undefined, "Set platform if server is multi-platform capable"),
];

/** Flags of `exec`. */
export const EXEC_FLAGS: FlagSpec[] = [
  b("detach", "d", "Detached mode: run command in the background"),
  l("env", "e", "Set environment variables"),
  l("env-file", undefined, "Read in a file of environment variables"),
  b("interactive", "i", "Keep STDIN open even if not attached"),
  b("privileged", undefined, "Accepted and ignored"),
  b("tty", "t", "Allocate a pseudo-TTY"),
  s("user", "u", 'Username or UID (format: "<name|uid>[:<group|gid>]")'),
  s("workdir", "w", "Working directory inside the container"),
];
