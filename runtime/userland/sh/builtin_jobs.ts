/**
 * Job and signal builtins: `trap`, `kill`, `wait`, `jobs`.
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import { waitPid } from "./exec_simple.ts";
import type { Job, Shell } from "./shell.ts";
import { ShellError, SIGNAL_NAMES, signalNumber } from "./state.ts";

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `trap [action] [condition…]`: `EXIT`, `INT`, `TERM`, … ; `''` ignores, `-` resets.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0, or 1 for a bad condition.
 */
export async function trap(sh: Shell, argv: string[]): Promise<number> {
  const args = argv.slice(1);
  if (args[0] === "--") args.shift();
  if (args.length === 0) {
    let out = "";
    for (const [sig, action] of [...sh.traps].sort((a, b) => a[0] - b[0])) {
      out += `trap -- ${quote(action)} ${SIGNAL_NAMES[sig] ?? sig}\n`;
    }
    await sh.print(1, out);
    return 0;
  }
  let action: string | undefined = args.shift()!;
  if (/^[0-9]+$/.test(action)) {
    args.unshift(action);
    action = undefined;
  } else if (action === "-") action = undefined;
  if (args.length === 0) throw new ShellError("trap: usage: trap [action] condition ...");
  let status = 0;
  for (const name of args) {
    const sig = signalNumber(name);
    if (sig === undefined) {
      await sh.print(2, `trap: ${name}: bad trap\n`);
      status = 1;
      continue;
    }
    if (action === undefined) sh.traps.delete(sig);
    else sh.traps.set(sig, action);
    if (sig === 0) continue;
    const pending = sh.shared.pendingSignals;
    const old = action === undefined
      ? sh.sys.sigaction(sig, "default")
      : action === ""
      ? sh.sys.sigaction(sig, "ignore")
      : sh.sys.sigaction(sig, (s) => void pending.push(s));
    // An in-process subshell shares the process's dispositions: put them back at its end.
    if (sh.subshell && typeof old !== "number") {
      const saved = sh.restore.signals ?? new Map();
      if (!saved.has(sig)) saved.set(sig, old);
      sh.restore.signals = saved;
    }
  }
  return status;
}

function findJob(sh: Shell, spec: string): Job | undefined {
  const jobs = sh.shared.jobs;
  if (spec.startsWith("%")) {
    const rest = spec.slice(1);
    if (rest === "" || rest === "%" || rest === "+") return jobs[jobs.length - 1];
    if (rest === "-") return jobs[jobs.length - 2];
    if (/^[0-9]+$/.test(rest)) return jobs[Number(rest) - 1];
    return jobs.find((j) => j.text.startsWith(rest));
  }
  const id = Number(spec);
  return jobs.find((j) => j.id === id);
}

/**
 * `kill [-s sig | -sig] pid|%job…` and `kill -l [status]`.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0, or 1 when a signal could not be sent.
 */
export async function kill(sh: Shell, argv: string[]): Promise<number> {
  const args = argv.slice(1);
  let sig = 15;
  if (args[0] === "-l" || args[0] === "-L") {
    if (args.length > 1) {
      let out = "";
      for (const a of args.slice(1)) {
        if (!/^[0-9]+$/.test(a)) {
          await sh.print(1, out);
          await sh.error(`kill: Illegal number: ${a}`);
          return 2;
        }
        const n = Number(a) & 0x7f;
        if (n === 0 || n >= SIGNAL_NAMES.length) {
          await sh.print(1, out);
          await sh.error(`kill: invalid signal number or exit status: ${a}`);
          return 2;
        }
        out += `${SIGNAL_NAMES[n]}\n`;
      }
      await sh.print(1, out);
      return 0;
    }
    // dash lists signal 0 as "0" first.
    await sh.print(1, "0\n" + SIGNAL_NAMES.slice(1).join("\n") + "\n");
    return 0;
  }
  if (args[0] === "-s" || args[0] === "-n") {
    args.shift();
    const s = signalNumber(args.shift() ?? "");
    if (s === undefined) throw new ShellError("kill: invalid signal number or name");
    sig = s;
  } else if (args[0]?.startsWith("-") && args[0] !== "--" && args[0].length > 1) {
    const s = signalNumber(args.shift()!.slice(1));
    if (s === undefined) throw new ShellError("kill: invalid signal number or name");
    sig = s;
  }
  if (args[0] === "--") args.shift();
  if (args.length === 0) {
    throw new ShellError(
      "kill: usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\nkill -l [exitstatus]",
    );
  }
  let status = 0;
  // The signal may end this shell: what it printed must be out first.
  await sh.flushOut();
  for (const a of args) {
    let pid: number;
    if (a.startsWith("%")) {
      const job = findJob(sh, a);
      if (!job?.pid) {
        await sh.error(`kill: No such job: ${a}`);
        status = 1;
        continue;
      }
      pid = job.pid;
    } else if (/^-?[0-9]+$/.test(a)) pid = Number(a);
    else {
      await sh.error(`kill: Illegal number: ${a}`);
      status = 1;
      continue;
    }
    const r = sh.sys.kill(pid, sig);
    if (r < 0) {
      await sh.error(`kill: ${r === Errno.EPERM ? "Operation not permitted" : "No such process"}`);
      status = 1;
    }
  }
  return status;
}

async function waitJob(sh: Shell, job: Job): Promise<number> {
  if (job.status !== undefined && job.pid === undefined) return job.status;
  if (job.pid !== undefined) {
    if (job.status !== undefined) return job.status;
    return await waitPid(sh, job.pid);
  }
  return await job.done!;
}

/**
 * `wait [pid|%job…]`: waits for background jobs; the status of the last one named.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns The status (127 for an unknown pid).
 */
export async function wait(sh: Shell, argv: string[]): Promise<number> {
  await sh.flushOut();
  const jobs = sh.shared.jobs;
  const args = argv.slice(1);
  if (args.length === 0) {
    while (jobs.length > 0) {
      const job = jobs[0]!;
      await waitJob(sh, job);
      jobs.splice(jobs.indexOf(job), 1);
    }
    return 0;
  }
  let status = 0;
  for (const a of args) {
    const job = findJob(sh, a);
    if (!job) {
      status = 127;
      continue;
    }
    status = await waitJob(sh, job);
    const i = jobs.indexOf(job);
    if (i >= 0) jobs.splice(i, 1);
  }
  return status;
}

/**
 * `jobs`: lists background jobs of this shell.
 *
 * @param sh The shell.
 * @returns 0.
 */
export async function jobs(sh: Shell): Promise<number> {
  let out = "";
  sh.shared.jobs.forEach((j, i) => {
    const state = j.status === undefined
      ? "Running"
      : j.status === 0
      ? "Done"
      : `Done(${j.status})`;
    out += `[${i + 1}] ${state.padEnd(24)}${j.text}\n`;
  });
  await sh.print(1, out);
  return 0;
}
