/**
 * Flag tables of the command families other than `run`'s (`ps`, `images`, `logs`, `build`,
 * …), loaded with the rest of the command table (`_command_table.ts`).
 *
 * @module
 */
import type { FlagSpec } from "./_args.ts";
import { b, FORMAT_FLAG, i, l, s } from "./_flags.ts";

/** Flags of the `ps` command family. */
export const psFlags: FlagSpec[] = [
  b("all", "a", "Show all containers (default shows just running)"),
  l("filter", "f", "Filter output based on conditions provided"),
  FORMAT_FLAG,
  i("last", "n", "Show n last created containers (includes all states)", "-1"),
  b("latest", "l", "Show the latest created container (includes all states)"),
  b("no-trunc", undefined, "Don't truncate output"),
  b("quiet", "q", "Only display container IDs"),
  b("size", "s", "Display total file sizes"),
];
/** Flags of the `images` command family. */
export const imagesFlags: FlagSpec[] = [
  b("all", "a", "Show all images (default hides intermediate images)"),
  b("digests", undefined, "Show digests"),
  l("filter", "f", "Filter output based on conditions provided"),
  FORMAT_FLAG,
  b("no-trunc", undefined, "Don't truncate output"),
  b("quiet", "q", "Only show image IDs"),
];
/** Flags of the `stop` command family. */
export const stopFlags: FlagSpec[] = [
  s("signal", "s", "Signal to send to the container"),
  i("time", "t", "Seconds to wait before killing the container"),
];
/** Flags of the `logs` command family. */
export const logsFlags: FlagSpec[] = [
  b("details", undefined, "Show extra details provided to logs"),
  b("follow", "f", "Follow log output"),
  s(
    "since",
    undefined,
    'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
  ),
  s("tail", "n", "Number of lines to show from the end of the logs", "string", "all"),
  b("timestamps", "t", "Show timestamps"),
  s(
    "until",
    undefined,
    'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
  ),
];
/** Flags of the `rm` command family. */
export const rmFlags: FlagSpec[] = [
  b("force", "f", "Force the removal of a running container (uses SIGKILL)"),
  b("link", "l", "Remove the specified link"),
  b("volumes", "v", "Remove anonymous volumes associated with the container"),
];
/** Flags of the `inspect` command family. */
export const inspectFlags: FlagSpec[] = [
  { ...FORMAT_FLAG, short: "f" },
  b("size", "s", "Display total file sizes if the type is container"),
  s("type", undefined, "Return JSON for specified type"),
];
/** Flags of the `stats` command family. */
export const statsFlags: FlagSpec[] = [
  b("all", "a", "Show all containers (default shows just running)"),
  FORMAT_FLAG,
  b("no-stream", undefined, "Disable streaming stats and only pull the first result"),
  b("no-trunc", undefined, "Do not truncate output"),
];
/** Flags of the `update` command family. */
export const updateFlags: FlagSpec[] = [
  i("cpu-period", undefined, "Limit CPU CFS (Completely Fair Scheduler) period"),
  i("cpu-quota", undefined, "Limit CPU CFS (Completely Fair Scheduler) quota"),
  i("cpu-shares", "c", "CPU shares (relative weight)"),
  s("cpus", undefined, "Number of CPUs", "decimal"),
  s("memory", "m", "Memory limit", "bytes"),
  s("memory-swap", undefined, "Accepted and ignored: Berth has no swap", "bytes"),
  i("pids-limit", undefined, "Tune container pids limit (set -1 for unlimited)"),
  s("restart", undefined, "Restart policy to apply when a container exits"),
];
/** Flags of the `commit` command family. */
export const commitFlags: FlagSpec[] = [
  s("author", "a", 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")'),
  l("change", "c", "Apply Dockerfile instruction to the created image"),
  s("message", "m", "Commit message"),
  b("pause", "p", "Pause container during commit (default true)"),
];
/** Flags of the `build` command family. */
export const buildFlags: FlagSpec[] = [
  l("build-arg", undefined, "Set build-time variables"),
  s("file", "f", "Name of the Dockerfile (Default is 'PATH/Dockerfile')"),
  l("label", undefined, "Set metadata for an image"),
  b("no-cache", undefined, "Do not use cache when building the image"),
  s(
    "progress",
    undefined,
    'Set type of progress output ("auto", "plain", "tty", "quiet", "rawjson")',
    "string",
    "auto",
  ),
  b(
    "reproducible",
    undefined,
    "Fixed timestamps (SOURCE_DATE_EPOCH, else 0): the same inputs give the same image ID",
  ),
  b("quiet", "q", "Suppress the build output and print image ID on success"),
  s("iidfile", undefined, "Write the image ID to the file"),
  l("tag", "t", 'Name and optionally a tag in the "name:tag" format'),
  s("target", undefined, "Set the target build stage to build"),
  s("memory", "m", "Memory limit of RUN steps", "bytes"),
  s("cpus", undefined, "CPU limit of RUN steps", "decimal"),
];
/** Flags of the `prune` command family. */
export const pruneFlags: FlagSpec[] = [
  l("filter", undefined, 'Provide filter values (e.g. "until=<timestamp>")'),
  b("force", "f", "Do not prompt for confirmation"),
];
/** Flags of the `events` command family. */
export const eventsFlags: FlagSpec[] = [
  l("filter", "f", "Filter output based on conditions provided"),
  FORMAT_FLAG,
  s("since", undefined, "Show all events created since timestamp"),
  s("until", undefined, "Stream events until this timestamp"),
];
