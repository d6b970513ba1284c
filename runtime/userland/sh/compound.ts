/**
 * Compound commands: `( … )`, `{ …; }`, `if`, `while`/`until`, `for`, `case`.
 *
 * @module
 */
import type { Command, Script } from "./ast.ts";
import { expandPattern, expandString, expandWord } from "./expand.ts";
import { matchPattern } from "./pattern.ts";
import type { Shell } from "./shell.ts";
import { LoopSignal } from "./state.ts";

/**
 * Runs a compound command in `sh` (its redirections are already applied). Groups, `if`
 * and `case` complete synchronously when everything in them does.
 *
 * @param sh The shell.
 * @param cmd The command.
 * @returns Its status, or a promise of it.
 */
export function execCompound(sh: Shell, cmd: Command): number | Promise<number> {
  switch (cmd.type) {
    case "subshell":
      return execSubshell(sh, cmd.body);
    case "group":
      return sh.execBody(cmd.body);
    case "if":
      return execIf(sh, cmd, 0);
    case "while":
      return execWhile(sh, cmd);
    case "for":
      return execFor(sh, cmd);
    case "case": {
      const word = expandString(cmd.word, sh);
      if (typeof word !== "string") return word.then((w) => execCase(sh, cmd, w, 0, 0));
      return execCase(sh, cmd, word, 0, 0);
    }
    default:
      return 0;
  }
}

async function execSubshell(sh: Shell, body: Script): Promise<number> {
  await sh.flushOut();
  const s = await sh.clone().runSubshell(body);
  sh.status = s;
  return s;
}

/** `if`, from clause `k` on. */
function execIf(sh: Shell, cmd: Command & { type: "if" }, k: number): number | Promise<number> {
  for (; k < cmd.clauses.length; k++) {
    const clause = cmd.clauses[k]!;
    const c = cond(sh, clause.cond);
    if (c instanceof Promise) {
      const next = k + 1;
      return c.then((v) => (v === 0 ? sh.execBody(clause.body) : execIf(sh, cmd, next)));
    }
    if (c === 0) return sh.execBody(clause.body);
  }
  if (cmd.elseBody) return sh.execBody(cmd.elseBody);
  sh.status = 0;
  return 0;
}

/** `case`, from pattern `j` of item `i` on. */
function execCase(
  sh: Shell,
  cmd: Command & { type: "case" },
  word: string,
  i: number,
  j: number,
): number | Promise<number> {
  for (; i < cmd.items.length; i++, j = 0) {
    const item = cmd.items[i]!;
    for (; j < item.patterns.length; j++) {
      const pat = expandPattern(item.patterns[j]!, sh);
      if (typeof pat !== "string") {
        const [ni, nj] = [i, j + 1];
        return pat.then((p) =>
          matchPattern(p, word) ? sh.execBody(item.body) : execCase(sh, cmd, word, ni, nj)
        );
      }
      if (matchPattern(pat, word)) return sh.execBody(item.body);
    }
  }
  sh.status = 0;
  return 0;
}

/** Runs a condition list (`set -e` does not apply in it). */
function cond(sh: Shell, script: Script): number | Promise<number> {
  sh.condDepth++;
  let r: number | Promise<number>;
  try {
    r = sh.execBody(script);
  } catch (e) {
    sh.condDepth--;
    throw e;
  }
  if (r instanceof Promise) return r.finally(() => sh.condDepth--);
  sh.condDepth--;
  return r;
}

async function execWhile(sh: Shell, cmd: Command & { type: "while" }): Promise<number> {
  let status = 0;
  sh.loopDepth++;
  try {
    for (;;) {
      const tick = sh.loopTick();
      if (tick) await tick;
      let c = cond(sh, cmd.cond);
      if (c instanceof Promise) c = await c;
      if ((c === 0) === cmd.until) break;
      try {
        const r = sh.execBody(cmd.body);
        status = r instanceof Promise ? await r : r;
      } catch (e) {
        if (!(e instanceof LoopSignal)) throw e;
        if (e.levels > 1) throw new LoopSignal(e.kind, e.levels - 1);
        status = 0;
        if (e.kind === "break") break;
      }
    }
  } finally {
    sh.loopDepth--;
  }
  sh.status = status;
  return status;
}

async function execFor(sh: Shell, cmd: Command & { type: "for" }): Promise<number> {
  let items: string[];
  if (cmd.items) {
    items = [];
    for (const w of cmd.items) for (const f of await expandWord(w, sh)) items.push(f);
  } else items = [...sh.params];
  let status = 0;
  sh.loopDepth++;
  try {
    for (const it of items) {
      const tick = sh.loopTick();
      if (tick) await tick;
      sh.setVar(cmd.name, it);
      try {
        const r = sh.execBody(cmd.body);
        status = r instanceof Promise ? await r : r;
      } catch (e) {
        if (!(e instanceof LoopSignal)) throw e;
        if (e.levels > 1) throw new LoopSignal(e.kind, e.levels - 1);
        status = 0;
        if (e.kind === "break") break;
      }
    }
  } finally {
    sh.loopDepth--;
  }
  sh.status = status;
  return status;
}
