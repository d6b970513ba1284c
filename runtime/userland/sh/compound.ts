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
 * Runs a compound command in `sh` (its redirections are already applied).
 *
 * @param sh The shell.
 * @param cmd The command.
 * @returns Its status.
 */
export async function execCompound(sh: Shell, cmd: Command): Promise<number> {
  switch (cmd.type) {
    case "subshell": {
      await sh.flushOut();
      const s = await sh.clone().runSubshell(cmd.body);
      sh.status = s;
      return s;
    }
    case "group":
      return await sh.execScript(cmd.body);
    case "if": {
      for (const c of cmd.clauses) {
        if ((await cond(sh, c.cond)) === 0) return await sh.execScript(c.body);
      }
      if (cmd.elseBody) return await sh.execScript(cmd.elseBody);
      sh.status = 0;
      return 0;
    }
    case "while":
      return await execWhile(sh, cmd);
    case "for":
      return await execFor(sh, cmd);
    case "case": {
      const word = await expandString(cmd.word, sh);
      for (const item of cmd.items) {
        for (const p of item.patterns) {
          if (matchPattern(await expandPattern(p, sh), word)) {
            return await sh.execScript(item.body);
          }
        }
      }
      sh.status = 0;
      return 0;
    }
    default:
      return 0;
  }
}

async function cond(sh: Shell, script: Script): Promise<number> {
  sh.condDepth++;
  try {
    const r = sh.execBody(script);
    return r instanceof Promise ? await r : r;
  } finally {
    sh.condDepth--;
  }
}

async function execWhile(sh: Shell, cmd: Command & { type: "while" }): Promise<number> {
  let status = 0;
  sh.loopDepth++;
  try {
    for (;;) {
      const tick = sh.loopTick();
      if (tick) await tick;
      const c = await cond(sh, cmd.cond);
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
