/**
 * Reading processes from `/proc` like procps: `/proc/PID/stat`, `status`, `cmdline`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import { listDir } from "./_fs.ts";
import { readFile, readText } from "./_io.ts";

/** Clock ticks per second of `/proc/PID/stat` times. */
export const HZ = 100;

/** One process as `/proc` shows it. */
export interface ProcEntry {
  /** Pid (caller's namespace). */
  pid: number;
  /** Parent pid. */
  ppid: number;
  /** Process group. */
  pgid: number;
  /** Session. */
  sid: number;
  /** Command name. */
  comm: string;
  /** State letter. */
  state: string;
  /** argv (empty for kernel-like entries). */
  argv: string[];
  /** Real uid. */
  uid: number;
  /** Effective uid. */
  euid: number;
  /** Real gid. */
  gid: number;
  /** user+system CPU time in ticks. */
  ticks: number;
  /** Start, ticks after boot. */
  start: number;
  /** Virtual size, bytes. */
  vsize: number;
  /** Resident pages. */
  rssPages: number;
  /** Nice value. */
  nice: number;
  /** Priority. */
  priority: number;
  /** TTY number (0 none). */
  tty: number;
}

/**
 * Parse one `/proc/PID/stat` line.
 *
 * @param line The line.
 * @returns Fields, or null when malformed.
 */
export function parseStat(line: string): Omit<ProcEntry, "argv" | "uid" | "euid" | "gid"> | null {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const f = line.slice(close + 2).trim().split(/\s+/);
  const n = (i: number) => Number(f[i] ?? 0);
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    state: f[0] ?? "?",
    ppid: n(1),
    pgid: n(2),
    sid: n(3),
    tty: n(4),
    ticks: n(11) + n(12),
    priority: n(15),
    nice: n(16),
    start: n(19),
    vsize: n(20),
    rssPages: n(21),
  };
}

/**
 * Every process visible in `/proc`, by pid.
 *
 * @param sys System calls.
 * @returns The processes (empty when /proc is not mounted).
 */
export async function readProcs(sys: Syscalls): Promise<ProcEntry[]> {
  const list = await listDir(sys, "/proc");
  if (isErrno(list)) return [];
  const pids = list.map((d) => d.name).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) =>
    a - b
  );
  const out: ProcEntry[] = [];
  for (const pid of pids) {
    const statText = await readText(sys, `/proc/${pid}/stat`);
    if (isErrno(statText)) continue;
    const st = parseStat(statText);
    if (!st) continue;
    const status = await readText(sys, `/proc/${pid}/status`);
    let uid = 0;
    let euid = 0;
    let gid = 0;
    if (!isErrno(status)) {
      const u = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
      const g = /^Gid:\s+(\d+)/m.exec(status);
      if (u) {
        uid = Number(u[1]);
        euid = Number(u[2]);
      }
      if (g) gid = Number(g[1]);
    }
    const cmd = await readFile(sys, `/proc/${pid}/cmdline`);
    const argv = isErrno(cmd)
      ? []
      : new TextDecoder().decode(cmd).split("\0").filter((_, i, a) =>
        i < a.length - 1 || a[i] !== ""
      );
    out.push({ ...st, argv, uid, euid, gid });
  }
  return out;
}

/**
 * Seconds since boot (`/proc/uptime`), 0 when unknown.
 *
 * @param sys System calls.
 * @returns Uptime seconds.
 */
export async function uptimeSeconds(sys: Syscalls): Promise<number> {
  const t = await readText(sys, "/proc/uptime");
  return isErrno(t) ? 0 : Number(t.split(" ")[0]) || 0;
}

/**
 * `[[DD-]HH:]MM:SS` as ps prints TIME and ELAPSED.
 *
 * @param sec Seconds.
 * @param long Always print hours (`TIME` is `HH:MM:SS`).
 * @returns The text.
 */
export function clockText(sec: number, long: boolean): string {
  const s = Math.floor(sec);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const p = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return `${d}-${p(h)}:${p(m)}:${p(s % 60)}`;
  if (long || h > 0) return `${p(h)}:${p(m)}:${p(s % 60)}`;
  return `${p(m)}:${p(s % 60)}`;
}
