/**
 * `fork` for a shell that cannot fork: a part of the script that must run alongside
 * the shell (a background list, a part of a pipeline) is started as a new `sh` process
 * given this shell's state as a prelude — unexported variables, readonly marks,
 * functions, options, ignored traps, positional parameters and `$?` — followed by the
 * part's own text (`unparse.ts`). `$$` stays the parent's, through a private option.
 *
 * @module
 */
import type { Script } from "./ast.ts";
import { type Deferred, spawnCommand } from "./exec_simple.ts";
import type { Shell } from "./shell.ts";
import { SIGNAL_NAMES } from "./state.ts";
import { quote, unparseCommand, unparseScript } from "./unparse.ts";

/** The private option that carries `$$` into a forked shell. */
export const SUBSHELL_PID_OPTION = "--berth-subshell-pid";

const SH_PATH = "/bin/sh";

/**
 * Shell text that recreates `sh`'s state in a new shell, then runs `body`.
 *
 * @param sh The shell (usually a subshell clone).
 * @param body The part to run.
 * @returns The script text.
 */
export function forkScript(sh: Shell, body: Script): string {
  let s = "";
  const readonly: string[] = [];
  for (const [name, v] of sh.vars) {
    if (v.readonly) readonly.push(name);
    if (v.exported || v.value === undefined) continue;
    s += `${name}=${quote(v.value)}\n`;
  }
  if (readonly.length > 0) s += `readonly ${readonly.join(" ")}\n`;
  for (const f of sh.funcs.values()) s += unparseCommand(f);
  for (const [sig, action] of sh.traps) {
    if (action === "" && sig > 0) s += `trap '' ${SIGNAL_NAMES[sig] ?? sig}\n`;
  }
  s += `set -- ${sh.params.map(quote).join(" ")}\n`;
  const o = sh.opts;
  const flags = (o.errexit ? "e" : "") + (o.nounset ? "u" : "") + (o.noglob ? "f" : "") +
    (o.allexport ? "a" : "") + (o.noclobber ? "C" : "");
  if (flags) s += `set -${flags}\n`;
  for (const name of [...(o.pipefail ? ["pipefail"] : []), ...sh.otherOptions]) {
    s += `set -o ${name}\n`;
  }
  if (sh.status !== 0) s += `(exit ${sh.status})\n`;
  if (o.xtrace) s += "set -x\n";
  return s + unparseScript(body);
}

/**
 * Starts `body` in a new `sh` process with `sh`'s state and fd layout.
 *
 * @param sh The shell whose fds and state the part gets.
 * @param body The part.
 * @param deferred Pumps for memory-backed fds, served later (pipelines).
 * @returns The pid, or a negative errno when `/bin/sh` cannot be started (the caller
 *   then runs the part in-process).
 */
export async function forkSpawn(sh: Shell, body: Script, deferred?: Deferred[]): Promise<number> {
  const text = forkScript(sh, body);
  const argv = ["sh", SUBSHELL_PID_OPTION, String(sh.shared.pid), "-c", text, sh.arg0];
  return await spawnCommand(sh, argv, [], deferred, { path: SH_PATH, quiet: true });
}
