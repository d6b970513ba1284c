/**
 * `ps [-ef] [aux] [-o COLS] [-p PIDS]` and `top -b [-n N]`: process lists read from
 * `/proc` like procps (only the caller's PID namespace is visible there).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { readNameDb, strftime } from "./_format.ts";
import type { NameDb } from "./_format.ts";
import { readText } from "./_io.ts";
import { clockText, HZ, readProcs, uptimeSeconds } from "./_proc.ts";
import type { ProcEntry } from "./_proc.ts";
import { parseMeminfo } from "./free.ts";

interface Env {
  users: NameDb;
  uptime: number;
  bootSec: number;
  nowSec: number;
  memKb: number;
}

interface Column {
  header: string;
  right: boolean;
  value(p: ProcEntry, e: Env): string;
}

const userName = (uid: number, e: Env) => e.users.byId.get(uid) ?? String(uid);
const args = (p: ProcEntry) => (p.argv.length ? p.argv.join(" ") : `[${p.comm}]`);
const startText = (p: ProcEntry, e: Env) => {
  const t = e.bootSec + p.start / HZ;
  return e.nowSec - t < 86400 ? strftime("%H:%M", t * 1000) : strftime("%b%d", t * 1000);
};
const pct = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "0.0");
const cpuPct = (p: ProcEntry, e: Env) => {
  const elapsed = e.uptime - p.start / HZ;
  return elapsed > 0 ? (p.ticks / HZ / elapsed) * 100 : 0;
};

/** A `tty_nr` as procps names it: `pts/N`, `ttyN`, `console`, or `?` for none. */
function ttyName(nr: number): string {
  if (nr === 0) return "?";
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major === 136) return `pts/${minor}`;
  if (major === 4) return `tty${minor}`;
  if (major === 5 && minor === 1) return "console";
  return "?";
}

const COLUMNS: Record<string, Column> = {
  pid: { header: "PID", right: true, value: (p) => String(p.pid) },
  ppid: { header: "PPID", right: true, value: (p) => String(p.ppid) },
  pgid: { header: "PGID", right: true, value: (p) => String(p.pgid) },
  pgrp: { header: "PGRP", right: true, value: (p) => String(p.pgid) },
  sid: { header: "SID", right: true, value: (p) => String(p.sid) },
  sess: { header: "SESS", right: true, value: (p) => String(p.sid) },
  uid: { header: "UID", right: true, value: (p) => String(p.euid) },
  euid: { header: "EUID", right: true, value: (p) => String(p.euid) },
  ruid: { header: "RUID", right: true, value: (p) => String(p.uid) },
  gid: { header: "GID", right: true, value: (p) => String(p.gid) },
  user: { header: "USER", right: false, value: (p, e) => userName(p.euid, e) },
  euser: { header: "EUSER", right: false, value: (p, e) => userName(p.euid, e) },
  ruser: { header: "RUSER", right: false, value: (p, e) => userName(p.uid, e) },
  comm: { header: "COMMAND", right: false, value: (p) => p.comm },
  ucomm: { header: "COMMAND", right: false, value: (p) => p.comm },
  args: { header: "COMMAND", right: false, value: args },
  command: { header: "COMMAND", right: false, value: args },
  cmd: { header: "CMD", right: false, value: args },
  stat: { header: "STAT", right: false, value: (p) => p.state + (p.pid === p.sid ? "s" : "") },
  s: { header: "S", right: false, value: (p) => p.state },
  state: { header: "S", right: false, value: (p) => p.state },
  rss: { header: "RSS", right: true, value: (p) => String(p.rssPages * 4) },
  rsz: { header: "RSZ", right: true, value: (p) => String(p.rssPages * 4) },
  vsz: { header: "VSZ", right: true, value: (p) => String(Math.floor(p.vsize / 1024)) },
  vsize: { header: "VSZ", right: true, value: (p) => String(Math.floor(p.vsize / 1024)) },
  time: { header: "TIME", right: true, value: (p) => clockText(p.ticks / HZ, true) },
  cputime: { header: "TIME", right: true, value: (p) => clockText(p.ticks / HZ, true) },
  etime: {
    header: "ELAPSED",
    right: true,
    value: (p, e) => clockText(Math.max(0, e.uptime - p.start / HZ), false),
  },
  etimes: {
    header: "ELAPSED",
    right: true,
    value: (p, e) => String(Math.floor(Math.max(0, e.uptime - p.start / HZ))),
  },
  nice: { header: "NI", right: true, value: (p) => String(p.nice) },
  ni: { header: "NI", right: true, value: (p) => String(p.nice) },
  pri: { header: "PRI", right: true, value: (p) => String(p.priority) },
  tty: { header: "TTY", right: false, value: (p) => ttyName(p.tty) },
  tt: { header: "TT", right: false, value: (p) => ttyName(p.tty) },
  "%cpu": { header: "%CPU", right: true, value: (p, e) => pct(cpuPct(p, e)) },
  pcpu: { header: "%CPU", right: true, value: (p, e) => pct(cpuPct(p, e)) },
  "%mem": {
    header: "%MEM",
    right: true,
    value: (p, e) => pct(e.memKb ? (p.rssPages * 4 * 100) / e.memKb : 0),
  },
  pmem: {
    header: "%MEM",
    right: true,
    value: (p, e) => pct(e.memKb ? (p.rssPages * 4 * 100) / e.memKb : 0),
  },
  stime: { header: "STIME", right: false, value: startText },
  start: { header: "START", right: false, value: startText },
  bsdtime: {
    header: "TIME",
    right: true,
    value: (p) =>
      `${Math.floor(p.ticks / HZ / 60)}:${String(Math.floor(p.ticks / HZ) % 60).padStart(2, "0")}`,
  },
  c: { header: "C", right: true, value: (p, e) => String(Math.floor(cpuPct(p, e))) },
};

async function envOf(ctx: Ctx): Promise<Env> {
  const uptime = await uptimeSeconds(ctx.sys);
  const now = ctx.sys.clock_gettime(0);
  const nowSec = isErrno(now) ? 0 : now.sec + now.nsec / 1e9;
  const mem = await readText(ctx.sys, "/proc/meminfo");
  return {
    users: await readNameDb(ctx.sys, "passwd"),
    uptime,
    bootSec: nowSec - uptime,
    nowSec,
    memKb: isErrno(mem) ? 0 : parseMeminfo(mem).get("MemTotal") ?? 0,
  };
}

/**
 * Render a table: widths from the data, the last column unpadded, procps alignment.
 *
 * @param cols Column specs with optional header overrides.
 * @param rows Processes.
 * @param env Context.
 * @param headers Print the header line.
 * @param minWidths Minimum widths per column (procps defaults).
 * @returns The text.
 */
function table(
  cols: { key: string; header: string }[],
  rows: ProcEntry[],
  env: Env,
  headers: boolean,
  minWidths: Record<string, number> = {},
): string {
  const cells = rows.map((p) => cols.map((c) => COLUMNS[c.key]!.value(p, env)));
  const widths = cols.map((c, i) =>
    Math.max(minWidths[c.key] ?? 0, c.header.length, ...cells.map((r) => r[i]!.length))
  );
  const line = (vals: string[]) =>
    vals.map((v, i) => {
      if (i === vals.length - 1) return COLUMNS[cols[i]!.key]!.right ? v.padStart(widths[i]!) : v;
      return COLUMNS[cols[i]!.key]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
    }).join(" ");
  let out = headers ? line(cols.map((c) => c.header)).trimEnd() + "\n" : "";
  for (const r of cells) out += line(r) + "\n";
  return out;
}

/**
 * The `ps` applet: `ps` (this session), `ps -e/-A`, `-f`, `aux`/`ax`, `-o LIST`, `-p PIDS`,
 * `--no-headers`.
 *
 * @example
 * ```ts ignore
 * await ps(sys, ["ps", "-ef"]);
 * ```
 */
export const ps = applet({
  name: "ps",
  usage:
    "ps [-ef] [aux] [-o COL1,COL2=HEADER] [-p PID,...] [--no-headers]\n\nShow list of processes\n\n" +
    "\t-e,-A\tAll processes\n\t-f\tFull listing\n\t-o COL1,COL2=HEADER\tSelect columns for display\n\t-p PIDs\tOnly these processes\n" +
    "\taux\tBSD style listing of all processes with user, %CPU, %MEM",
  raw: true,
  async run(ctx, opts) {
    let all = false;
    let full = false;
    let bsd = false;
    let bsdAll = false;
    let headers = true;
    const out: string[] = [];
    const pids: number[] = [];
    const a = opts.operands;
    for (let i = 0; i < a.length; i++) {
      const t = a[i]!;
      if (t === "--no-headers" || t === "--no-heading") headers = false;
      else if (t === "-o" || t === "o" || t.startsWith("-o") || t.startsWith("--format")) {
        const v = t === "-o" || t === "o" || t === "--format"
          ? a[++i]
          : t.replace(/^(-o|--format=)/, "");
        if (v === undefined) {
          await ctx.usageError("option requires an argument -- 'o'");
          return 1;
        }
        out.push(v);
      } else if (t === "-p" || t === "p" || t === "--pid") {
        const v = a[++i];
        if (v === undefined) {
          await ctx.usageError("option requires an argument -- 'p'");
          return 1;
        }
        pids.push(...v.split(/[, ]/).filter(Boolean).map(Number));
      } else if (/^-[eAfwlHjF]+$/.test(t)) {
        if (/[eA]/.test(t)) all = true;
        if (t.includes("f")) full = true;
      } else if (/^[auxwh]+$/.test(t)) {
        bsd = true;
        if (t.includes("a") || t.includes("x")) bsdAll = true;
        if (t.includes("h")) headers = false;
        if (t.includes("u")) full = true;
      } else {
        await ctx.error(`error: unsupported option (BSD syntax)\n\nUsage:\n ps [options]`);
        return 1;
      }
    }
    const env = await envOf(ctx);
    let procs = await readProcs(ctx.sys);
    if (procs.length === 0) {
      const probe = await readText(ctx.sys, "/proc/self/stat");
      if (isErrno(probe)) {
        await ctx.error("cannot read /proc: is procfs mounted?");
        return 1;
      }
    }
    if (pids.length) procs = procs.filter((p) => pids.includes(p.pid));
    else if (!all && !bsdAll) {
      const me = ctx.sys.getpid();
      const sid = procs.find((p) => p.pid === me)?.sid;
      const euid = ctx.sys.geteuid();
      procs = procs.filter((p) => p.euid === euid && (sid === undefined || p.sid === sid));
    }
    let cols: { key: string; header: string }[];
    let minWidths: Record<string, number> = {};
    if (out.length) {
      cols = [];
      for (const spec of out) {
        const parts: string[] = [];
        const raw = spec.split(/[,\s]+/);
        for (let j = 0; j < raw.length; j++) {
          if (raw[j]!.includes("=")) {
            parts.push(spec.slice(spec.indexOf(raw[j]!)));
            break;
          }
          if (raw[j]) parts.push(raw[j]!);
        }
        for (const part of parts) {
          const [k, h] = part.split("=", 2) as [string, string | undefined];
          const key = k.toLowerCase();
          const col = COLUMNS[key];
          if (!col) {
            await ctx.error(`error: unknown user-defined format specifier "${k}"`);
            return 1;
          }
          cols.push({ key, header: h ?? col.header });
        }
      }
    } else if (bsd && full) {
      cols = [
        "user",
        "pid",
        "%cpu",
        "%mem",
        "vsz",
        "rss",
        "tty",
        "stat",
        "start",
        "bsdtime",
        "command",
      ].map((key) => ({ key, header: COLUMNS[key]!.header }));
      minWidths = { user: 8, pid: 7, vsz: 6, rss: 5, tty: 8, stat: 4, start: 5, bsdtime: 6 };
    } else if (bsd) {
      cols = ["pid", "tty", "stat", "bsdtime", "command"].map((key) => ({
        key,
        header: COLUMNS[key]!.header,
      }));
      minWidths = { pid: 7, tty: 8, stat: 4, bsdtime: 6 };
    } else if (full) {
      cols = ["uid", "pid", "ppid", "c", "stime", "tty", "time", "cmd"].map((key) => ({
        key,
        header: COLUMNS[key]!.header,
      }));
      cols[0] = { key: "user", header: "UID" };
      minWidths = { user: 8, pid: 7, ppid: 7, stime: 5, tty: 8, time: 8 };
    } else {
      cols = ["pid", "tty", "time", "comm"].map((key) => ({ key, header: COLUMNS[key]!.header }));
      cols[3]!.header = "CMD";
      minWidths = { pid: 7, tty: 8, time: 8 };
    }
    await ctx.out.write(table(cols, procs, env, headers, minWidths));
    return 0;
  },
});

/**
 * The `top` applet, batch mode only (`-b`, `-n N` iterations, `-d SECONDS`).
 *
 * @example
 * ```ts ignore
 * await top(sys, ["top", "-b", "-n", "1"]);
 * ```
 */
export const top = applet({
  name: "top",
  usage: "top -b [-n COUNT] [-d SECONDS]\n\nShow a view of process activity (batch mode)\n\n" +
    "\t-b\tBatch mode\n\t-n N\tExit after N iterations\n\t-d SEC\tDelay between updates",
  spec: { flags: "bcHiS", withArg: "ndpuw" },
  async run(ctx, opts) {
    const n = Number(opts.get("n") ?? (opts.has("b") ? "1" : "1"));
    const delay = Number(opts.get("d") ?? "3");
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        await ctx.out.flush();
        const s = await ctx.sys.nanosleep({
          sec: Math.floor(delay),
          nsec: Math.round((delay % 1) * 1e9),
        });
        if (isErrno(s)) break;
        await ctx.out.write("\n");
      }
      await ctx.out.write(await topScreen(ctx));
    }
    return 0;
  },
});

async function topScreen(ctx: Ctx): Promise<string> {
  const env = await envOf(ctx);
  const procs = await readProcs(ctx.sys);
  const load = await readText(ctx.sys, "/proc/loadavg");
  const avg = isErrno(load) ? ["0.00", "0.00", "0.00"] : load.split(" ").slice(0, 3);
  const mem = await readText(ctx.sys, "/proc/meminfo");
  const mi = isErrno(mem) ? new Map<string, number>() : parseMeminfo(mem);
  const mib = (k: string) => ((mi.get(k) ?? 0) / 1024).toFixed(1).padStart(9);
  const count = (s: string) => procs.filter((p) => p.state === s).length;
  const up = Math.floor(env.uptime);
  const upText = up >= 3600
    ? `${Math.floor(up / 3600)}:${String(Math.floor((up % 3600) / 60)).padStart(2, "0")}`
    : `${Math.floor(up / 60)} min`;
  const totalK = mi.get("MemTotal") ?? 0;
  const freeK = mi.get("MemFree") ?? 0;
  const cacheK = (mi.get("Cached") ?? 0) + (mi.get("Buffers") ?? 0);
  let out = `top - ${
    strftime("%H:%M:%S", env.nowSec * 1000)
  } up ${upText},  0 users,  load average: ${avg.join(", ")}\n`;
  out += `Tasks: ${String(procs.length).padStart(3)} total, ${
    String(count("R")).padStart(3)
  } running, ${String(count("S")).padStart(3)} sleeping, ${
    String(count("T")).padStart(3)
  } stopped, ${String(count("Z")).padStart(3)} zombie\n`;
  out += "%Cpu(s):  0.0 us,  0.0 sy,  0.0 ni,100.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st\n";
  out += `MiB Mem : ${mib("MemTotal")} total, ${mib("MemFree")} free, ${
    ((totalK - freeK - cacheK) / 1024).toFixed(1).padStart(9)
  } used, ${(cacheK / 1024).toFixed(1).padStart(9)} buff/cache\n`;
  out += `MiB Swap: ${mib("SwapTotal")} total, ${mib("SwapFree")} free, ${
    "0.0".padStart(9)
  } used. ${mib("MemAvailable")} avail Mem\n\n`;
  out += "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n";
  const sorted = [...procs].sort((a, b) => b.ticks - a.ticks || a.pid - b.pid);
  for (const p of sorted) {
    const t = p.ticks / HZ;
    const timePlus = `${Math.floor(t / 60)}:${(t % 60).toFixed(2).padStart(5, "0")}`;
    const cpu = env.uptime - p.start / HZ > 0
      ? (p.ticks / HZ / (env.uptime - p.start / HZ)) * 100
      : 0;
    const memPct = totalK ? (p.rssPages * 4 * 100) / totalK : 0;
    out += `${String(p.pid).padStart(7)} ${userName(p.euid, env).slice(0, 8).padEnd(8)}  ${
      String(p.priority).padStart(2)
    } ${String(p.nice).padStart(3)} ${String(Math.floor(p.vsize / 1024)).padStart(7)} ${
      String(p.rssPages * 4).padStart(6)
    } ${"0".padStart(6)} ${p.state} ${cpu.toFixed(1).padStart(5)} ${
      memPct.toFixed(1).padStart(5)
    } ${timePlus.padStart(9)} ${p.comm}\n`;
  }
  return out;
}
