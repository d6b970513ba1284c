/**
 * Help text in the Docker CLI's layout.
 *
 * @module
 */
import type { FlagSpec } from "./_args.ts";
import { type CommandDef, GLOBAL_FLAGS } from "./_commands.ts";
import { TOP_LEVEL } from "./_command_table.ts";

function flagLines(flags: readonly FlagSpec[]): string[] {
  const rows = flags.filter((f) => !f.hidden).map((f) => {
    const short = f.short ? `-${f.short}, ` : "    ";
    const value = f.type === "bool" ? "" : ` ${f.valueName ?? f.type}`;
    return { left: `  ${short}--${f.name}${value}`, f };
  });
  const width = Math.max(0, ...rows.map((r) => r.left.length)) + 3;
  const out: string[] = [];
  for (const { left, f } of rows) {
    const desc = f.description +
      (f.default !== undefined && f.type !== "bool" ? ` (default "${f.default}")` : "");
    const [first, ...more] = desc.split("\n");
    out.push(left.padEnd(width) + first);
    for (const m of more) out.push(" ".repeat(width) + m);
  }
  return out;
}

function listLines(cmds: readonly CommandDef[]): string[] {
  const width = Math.max(...cmds.map((c) => c.name.length)) + 2;
  return cmds.map((c) => `  ${c.name.padEnd(Math.max(width, 12))}${c.summary}`);
}

/**
 * `berth --help`.
 *
 * @returns The help text.
 * @example
 * ```ts
 * import { mainHelp } from "./_help.ts";
 * console.assert(mainHelp().startsWith("\nUsage:  berth [OPTIONS] COMMAND"));
 * ```
 */
export function mainHelp(): string {
  return [
    "",
    "Usage:  berth [OPTIONS] COMMAND",
    "",
    "A container runtime on an emulated kernel, with Docker's commands",
    "",
    "Common Commands:",
    ...listLines(TOP_LEVEL.common),
    "",
    "Management Commands:",
    ...listLines(TOP_LEVEL.management),
    "",
    "Commands:",
    ...listLines(TOP_LEVEL.other),
    "",
    "Global Options:",
    ...flagLines(GLOBAL_FLAGS),
    "",
    "Run 'berth COMMAND --help' for more information on a command.",
    "",
  ].join("\n");
}

/**
 * `berth <cmd> --help` (or a management command's help when it has sub-commands).
 *
 * @param cmd The command.
 * @param parent The management command's name, for sub-commands.
 * @returns The help text.
 * @example
 * ```ts
 * import { commandHelp } from "./_help.ts";
 * import { findCommand } from "./_commands.ts";
 * console.assert(commandHelp((await findCommand("run"))!).includes("Options:"));
 * ```
 */
export function commandHelp(cmd: CommandDef, parent?: string): string {
  if (cmd.sub) {
    return [
      "",
      `Usage:  berth ${cmd.usage}`,
      "",
      cmd.summary,
      "",
      "Commands:",
      ...listLines(cmd.sub),
      "",
      `Run 'berth ${cmd.name} COMMAND --help' for more information on a command.`,
      "",
    ].join("\n");
  }
  const usage = cmd.usage.startsWith(`${parent ?? ""} `) ? cmd.usage : cmd.usage;
  const lines = ["", `Usage:  berth ${usage}`, "", cmd.summary, ""];
  const aliases = cmd.aliases ?? (parent ? [] : []);
  if (aliases.length > 0) {
    lines.push(
      "Aliases:",
      `  ${
        [
          parent ? `berth ${parent} ${cmd.name}` : `berth ${cmd.name}`,
          ...aliases.map((a) => `berth ${a}`),
        ].join(", ")
      }`,
      "",
    );
  }
  const flags = cmd.flags.filter((f) => !f.hidden);
  if (flags.length > 0) lines.push("Options:", ...flagLines(flags), "");
  return lines.join("\n");
}

/**
 * Docker's message for a wrong number of arguments.
 *
 * @param cmd The command.
 * @param shown Its name as typed ("container ls").
 * @param n How many arguments it got.
 * @returns The message.
 * @example
 * ```ts
 * import { arityMessage } from "./_help.ts";
 * import { findCommand } from "./_commands.ts";
 * const run = (await findCommand("run"))!;
 * console.assert(arityMessage(run, "run", 0).startsWith("berth: 'run' requires at least 1"));
 * ```
 */
export function arityMessage(cmd: CommandDef, shown: string, n: number): string {
  const want = cmd.minArgs === cmd.maxArgs
    ? `exactly ${cmd.minArgs} argument${cmd.minArgs === 1 ? "" : "s"}`
    : n < (cmd.minArgs ?? 0)
    ? `at least ${cmd.minArgs} argument${cmd.minArgs === 1 ? "" : "s"}`
    : cmd.maxArgs === 0
    ? "no arguments"
    : `at most ${cmd.maxArgs} argument${cmd.maxArgs === 1 ? "" : "s"}`;
  return `berth: '${shown}' requires ${want}.\nSee 'berth ${shown} --help'.\n\nUsage:  berth ${cmd.usage}\n\n${cmd.summary}`;
}

/**
 * Docker's message for a usage error (a bad flag or value).
 *
 * @param message What is wrong.
 * @param shown The command as typed ("container ls"), or "" before one is named.
 * @param cmd The command, for its usage line.
 * @returns The message.
 * @example
 * ```ts
 * import { usageMessage } from "./_help.ts";
 * console.assert(usageMessage("unknown flag: --x", "").endsWith("See 'berth --help'."));
 * ```
 */
export function usageMessage(message: string, shown: string, cmd?: CommandDef): string {
  return `${message}\nSee '${shown ? `berth ${shown}` : "berth"} --help'.${
    cmd ? `\n\nUsage:  berth ${cmd.usage}\n\n${cmd.summary}` : ""
  }`;
}
