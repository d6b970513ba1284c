/**
 * Pipelines. External parts are spawned and run concurrently as processes, connected
 * by kernel pipes. Parts that run in the shell (builtins, functions, compound commands)
 * run in the shell's one task: a Berth process has one thread, so the shell never has
 * two of its own tasks blocked in the kernel at once.
 *
 * - With at most one in-shell part the pipeline streams: every external part is spawned
 *   first, then the in-shell part runs against the pipes (`cmd | while read …`,
 *   `printf … | cmd`, `yes | head` all behave as in dash).
 * - With several in-shell parts, all but the last run in forked shells (`fork.ts`), so
 *   the pipeline still streams. Only when there is no `/bin/sh` to fork to do they run
 *   one after the other, left to right, each one's output held in memory for the next.
 *
 * @module
 */
import type { Command } from "./ast.ts";
import {
  type Deferred,
  prepare,
  type Prepared,
  runPrepared,
  type Simple,
  spawnCommand,
  waitPid,
} from "./exec_simple.ts";
import { commandKind } from "./exec_simple.ts";
import { type FdRef, MemFile } from "./fd_table.ts";
import { HeapMeter } from "../_heap.ts";
import { applyRedirs } from "./redirect.ts";
import type { Shell } from "./shell.ts";
import { runPumps } from "./spawn_io.ts";
import { forkSpawn } from "./fork.ts";

const SH_PATH = "/bin/sh";
const X_OK = 1;

/** One part of a pipeline, expanded in its own subshell. */
interface Stage {
  sub: Shell;
  cmd: Command;
  prep?: Prepared;
  external: boolean;
  /** Run in a forked shell process (an in-shell part that is not the last one). */
  fork?: boolean;
  /** Status when expansion already failed. */
  failed?: number;
}

async function makeStage(sh: Shell, cmd: Command): Promise<Stage> {
  const sub = sh.clone();
  if (cmd.type !== "simple" || cmd.words.length === 0) return { sub, cmd, external: false };
  // A literal builtin or function name needs no expansion to classify: the part then
  // expands its words where it runs (here or in a forked shell), once.
  const first = cmd.words[0]!.parts;
  const name = first.length === 1 && first[0]!.type === "lit" ? first[0]!.text : undefined;
  if (name !== undefined && commandKind(sub, name) !== "external") {
    return { sub, cmd, external: false };
  }
  try {
    const prep = await prepare(sub, cmd);
    const name = prep.argv[0];
    const external = name !== undefined && commandKind(sub, name) === "external";
    return { sub, cmd, prep, external };
  } catch (e) {
    return { sub, cmd, external: false, failed: await sub.statusOf(e) };
  }
}

/** Runs an in-shell stage to its end (its fds are released); returns its status. */
async function runInShell(st: Stage): Promise<number> {
  const { sub, cmd } = st;
  if (st.failed !== undefined) return await sub.finish(st.failed);
  if (st.prep) {
    let status: number;
    try {
      status = await runPrepared(sub, cmd as Simple, st.prep);
    } catch (e) {
      status = await sub.statusOf(e);
    }
    return await sub.finish(status);
  }
  return await sub.runSubshell({
    items: [{ first: { bang: false, cmds: [cmd] }, rest: [], background: false }],
  });
}

/** Spawns an external stage (its fds are released); returns a waiter for its status. */
async function spawnStage(st: Stage, deferred: Deferred[]): Promise<() => Promise<number>> {
  const { sub } = st;
  if (st.fork) {
    const body = {
      items: [{ first: { bang: false, cmds: [st.cmd] }, rest: [], background: false }],
    };
    const pid = await forkSpawn(sub, body, deferred);
    await sub.finish(0);
    return pid < 0 ? () => Promise.resolve(126) : () => waitPid(sub, pid);
  }
  const cmd = st.cmd as Simple;
  const saved = sub.fds;
  sub.fds = saved.copy();
  let pid: number;
  try {
    pid = (await applyRedirs(sub, cmd.redirs))
      ? await spawnCommand(sub, st.prep!.argv, st.prep!.assigns, deferred)
      : -2;
  } finally {
    sub.fds.releaseAll();
    sub.fds = saved;
  }
  await sub.finish(0);
  if (pid < 0) return () => Promise.resolve(-pid);
  return () => waitPid(sub, pid);
}

/** Makes a pipe whose ends are owned by `sh.fds`' reference counts. */
function makePipe(sh: Shell): [number, number] | undefined {
  const pipe = sh.sys.pipe2(0);
  if (typeof pipe === "number") return undefined;
  return sh.fds.adopt(sh.sys, pipe) as [number, number];
}

async function runDeferred(sh: Shell, deferred: Deferred[], kind: "in" | "out"): Promise<void> {
  for (const d of deferred) {
    const mine = d.pumps.filter((p) => p.kind === kind);
    if (mine.length === 0) continue;
    d.pumps = d.pumps.filter((p) => p.kind !== kind);
    await runPumps(sh.sys, d.table, mine);
  }
}

/**
 * Runs a pipeline of two or more commands.
 *
 * @param sh The shell.
 * @param cmds The commands, left to right.
 * @returns The status of the last command.
 */
export async function runPipeline(sh: Shell, cmds: Command[]): Promise<number> {
  await sh.flushOut();
  const stages: Stage[] = [];
  for (const cmd of cmds) stages.push(await makeStage(sh, cmd));
  const inShell = stages.filter((s) => !s.external);
  if (inShell.length <= 1) return await streaming(sh, stages);
  if (sh.sys.faccessat(-100, SH_PATH, X_OK, 0) !== 0) return await sequential(sh, stages);
  // Every in-shell part but the last runs in a forked shell: the pipeline streams.
  for (const st of inShell.slice(0, -1)) st.fork = true;
  return await streaming(sh, stages);
}

async function streaming(sh: Shell, stages: Stage[]): Promise<number> {
  for (let i = 0; i + 1 < stages.length; i++) {
    const pipe = makePipe(sh);
    if (!pipe) {
      await sh.error("Cannot create pipe");
      for (const s of stages) await s.sub.finish(0);
      return 2;
    }
    stages[i]!.sub.fds.set(1, pipe[1]);
    stages[i + 1]!.sub.fds.set(0, pipe[0]);
    sh.fds.release(pipe[0]);
    sh.fds.release(pipe[1]);
  }
  const deferred: Deferred[] = [];
  const waits: (() => Promise<number>)[] = [];
  for (const st of stages) {
    if (st.external || st.fork) waits[stages.indexOf(st)] = await spawnStage(st, deferred);
  }
  await runDeferred(sh, deferred, "in");
  const local = stages.findIndex((s) => !s.external && !s.fork);
  let localStatus = 0;
  if (local >= 0) localStatus = await runInShell(stages[local]!);
  await runDeferred(sh, deferred, "out");
  const statuses: number[] = [];
  for (let i = 0; i < stages.length; i++) {
    statuses.push(i === local ? localStatus : await waits[i]!());
  }
  return pipelineStatus(sh, statuses);
}

/** The last status, or with `pipefail` the last non-zero one. */
function pipelineStatus(sh: Shell, statuses: number[]): number {
  if (sh.opts.pipefail) {
    for (let i = statuses.length - 1; i >= 0; i--) if (statuses[i] !== 0) return statuses[i]!;
  }
  return statuses[statuses.length - 1] ?? 0;
}

async function sequential(sh: Shell, stages: Stage[]): Promise<number> {
  let input: FdRef | undefined;
  const statuses: number[] = [];
  let i = 0;
  while (i < stages.length) {
    const st = stages[i]!;
    if (!st.external) {
      const last = i === stages.length - 1;
      if (input !== undefined) st.sub.fds.set(0, input);
      const out = last ? undefined : new MemFile("out", "", new HeapMeter(sh.sys));
      if (out) st.sub.fds.set(1, out);
      try {
        statuses.push(await runInShell(st));
      } finally {
        out?.take();
      }
      input = out ? new MemFile("in", out.text) : undefined;
      i++;
      continue;
    }
    // A run of external stages: spawn them all, connected by pipes, then serve the
    // memory files at both ends together.
    let j = i;
    while (j + 1 < stages.length && stages[j + 1]!.external) j++;
    const last = j === stages.length - 1;
    const capture = last ? undefined : new MemFile("out", "", new HeapMeter(sh.sys));
    if (input !== undefined) stages[i]!.sub.fds.set(0, input);
    if (capture) stages[j]!.sub.fds.set(1, capture);
    for (let k = i; k < j; k++) {
      const pipe = makePipe(sh);
      if (!pipe) continue;
      stages[k]!.sub.fds.set(1, pipe[1]);
      stages[k + 1]!.sub.fds.set(0, pipe[0]);
      sh.fds.release(pipe[0]);
      sh.fds.release(pipe[1]);
    }
    const deferred: Deferred[] = [];
    const waits: (() => Promise<number>)[] = [];
    for (let k = i; k <= j; k++) waits.push(await spawnStage(stages[k]!, deferred));
    for (const d of deferred) await runPumps(sh.sys, d.table, d.pumps);
    for (const w of waits) statuses.push(await w());
    input = capture ? new MemFile("in", capture.take()) : undefined;
    i = j + 1;
  }
  return pipelineStatus(sh, statuses);
}
