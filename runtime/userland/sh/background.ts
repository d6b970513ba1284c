/**
 * Background lists (`… &`): one external command is spawned directly and its pid is
 * `$!`; anything else runs in a forked shell (`fork.ts`), or to completion when there is
 * no `/bin/sh` to fork to.
 *
 * @module
 */
import type { AndOr } from "./ast.ts";
import { commandKind, startBackgroundSimple } from "./exec_simple.ts";
import { forkSpawn } from "./fork.ts";
import type { Shell } from "./shell.ts";
import { unparseScript } from "./unparse.ts";

/** A one-line text of a job for `jobs`. */
function jobText(item: AndOr): string {
  return unparseScript({ items: [item] }).split("\n").filter((l) => l !== "" && !l.startsWith("#"))
    .join("; ").replace(/(^|; )([{(]|then|do|else|in); /g, "$1$2 ");
}

/**
 * Starts `item` in the background and sets `$!`.
 *
 * @param sh The shell.
 * @param item The list (with `background` set).
 * @returns 0.
 */
export async function startBackground(sh: Shell, item: AndOr): Promise<number> {
  await sh.flushOut();
  const fg: AndOr = { ...item, background: false };
  sh.status = 0;
  if (!needsFork(sh, fg)) {
    const direct = await startBackgroundSimple(sh, fg);
    if (direct !== undefined) {
      sh.lastBg = direct.id;
      sh.shared.jobs.push(direct);
      return 0;
    }
  }
  const sub = sh.clone();
  if (!sh.opts.interactive) await sub.redirectStdinToNull();
  const pid = await forkSpawn(sub, { items: [fg] });
  await sub.finish(0);
  if (pid >= 0) {
    sh.shared.jobs.push({ id: pid, pid, text: jobText(fg) });
    sh.lastBg = pid;
    return 0;
  }
  // No /bin/sh to fork to: run the list to completion now.
  const again = sh.clone();
  if (!sh.opts.interactive) await again.redirectStdinToNull();
  const id = sh.shared.nextJobId++;
  const s = await again.runSubshell({ items: [fg] });
  sh.shared.jobs.push({ id, text: jobText(fg), status: s, done: Promise.resolve(s) });
  sh.lastBg = id;
  return 0;
}

/** Whether a background list must run in a forked shell (anything but one external command). */
function needsFork(sh: Shell, item: AndOr): boolean {
  const cmd = item.first.cmds[0];
  if (item.rest.length > 0 || item.first.bang || item.first.cmds.length !== 1) return true;
  if (!cmd || cmd.type !== "simple" || cmd.words.length === 0) return true;
  const first = cmd.words[0]!.parts;
  const name = first.length === 1 && first[0]!.type === "lit" ? first[0]!.text : undefined;
  return name !== undefined && commandKind(sh, name) !== "external";
}
