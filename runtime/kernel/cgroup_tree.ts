/**
 * The cgroup tree's API: create and remove cgroups, attach processes, and read or write
 * the interface files by name ("cpu.max", "memory.events", …) with cgroup v2 syntax and
 * errors. cgroupfs (`/sys/fs/cgroup`) and the container layer both go through it.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import { Cgroup, type CgroupLimits, type Controller, CONTROLLERS, oomKill } from "./cgroup.ts";
import type { PidNamespace } from "./namespaces.ts";
import { clearKernelTimeout } from "./timers.ts";

/** What the tree needs of the kernel. */
export interface CgroupHost {
  /** Move process `pid` (global) into `to`. */
  attachPid(pid: number, to: Cgroup): 0 | Errno;
  /** Pids of the processes directly in `g` as seen from `ns` (global when null). */
  pidsIn(g: Cgroup, ns: PidNamespace | null): number[];
  /** Resolve a pid written to cgroup.procs, as seen from `ns`, to a global pid. */
  globalPid(pid: number, ns: PidNamespace | null): number | null;
  /** The scheduler must requeue `g` (freeze or bandwidth change). */
  refreshGroup(g: Cgroup): void;
  /** `cgroup.kill`: SIGKILL every process of the subtree of `g` (optional for hosts without processes). */
  killAll?(g: Cgroup): void;
}

const BASE_FILES = [
  "cgroup.procs",
  "cgroup.controllers",
  "cgroup.subtree_control",
  "cgroup.events",
  "cgroup.type",
];
const CHILD_ONLY = ["cgroup.freeze", "cgroup.kill"];
const FILES: Record<Controller, { root: string[]; child: string[] }> = {
  cpu: { root: ["cpu.stat"], child: ["cpu.weight", "cpu.max"] },
  memory: {
    root: ["memory.stat"],
    child: ["memory.current", "memory.peak", "memory.max", "memory.high", "memory.events"],
  },
  pids: { root: [], child: ["pids.current", "pids.max", "pids.events"] },
};

function fmtMax(n: number): string {
  return Number.isFinite(n) ? String(n) : "max";
}

/**
 * Parse a memory size as cgroup files accept it: "max", bytes, or a K/M/G/T suffix.
 *
 * @param text The value.
 * @returns Bytes (Infinity for "max") or null when invalid.
 * @example
 * ```ts
 * import { parseMemory } from "./cgroup_tree.ts";
 * console.assert(parseMemory("64M") === 64 * 1024 * 1024 && parseMemory("max") === Infinity);
 * ```
 */
export function parseMemory(text: string): number | null {
  const t = text.trim();
  if (t === "max") return Infinity;
  const m = /^(\d+)([kKmMgGtT]?)$/.exec(t);
  if (!m) return null;
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[
    (m[2] ?? "").toLowerCase() as "" | "k" | "m" | "g" | "t"
  ];
  return Number(m[1]) * mult;
}

/**
 * Parse `cpu.max`: "$QUOTA $PERIOD", "max $PERIOD", "$QUOTA" or "max".
 *
 * @param text The value.
 * @param periodUs The current period (kept when the text has none).
 * @returns Quota (null = max) and period in µs, or null when invalid.
 * @example
 * ```ts
 * import { parseCpuMax } from "./cgroup_tree.ts";
 * console.assert(parseCpuMax("25000 100000", 100000)?.quotaUs === 25000);
 * ```
 */
export function parseCpuMax(
  text: string,
  periodUs: number,
): { quotaUs: number | null; periodUs: number } | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 1 || parts.length > 2 || !parts[0]) return null;
  const period = parts[1] !== undefined ? Number(parts[1]) : periodUs;
  if (!Number.isInteger(period) || period < 1000 || period > 1_000_000) return null;
  if (parts[0] === "max") return { quotaUs: null, periodUs: period };
  const quota = Number(parts[0]);
  if (!Number.isInteger(quota) || quota < 1000) return null;
  return { quotaUs: quota, periodUs: period };
}

/** The cgroup tree of a kernel. */
export class CgroupTree {
  /** The root cgroup ("/"). */
  readonly root: Cgroup = new Cgroup("", null);
  readonly #host: CgroupHost;

  /**
   * A tree with only the root, every controller enabled for its children.
   *
   * @param host Kernel callbacks.
   */
  constructor(host: CgroupHost) {
    this.#host = host;
    for (const c of CONTROLLERS) this.root.subtreeControl.add(c);
  }

  /**
   * The cgroup at `path`.
   *
   * @param path "/" or "/a/b".
   * @returns The cgroup, or undefined.
   */
  get(path: string): Cgroup | undefined {
    let g: Cgroup | undefined = this.root;
    for (const part of path.split("/").filter((s) => s !== "")) {
      g = g?.children.get(part);
      if (!g) return undefined;
    }
    return g;
  }

  /**
   * Create the cgroup at `path` (and missing parents), enable every controller on the
   * way down (as a container runtime delegating a subtree does), and apply `limits`.
   *
   * @param path "/a/b".
   * @param limits Initial limits.
   * @returns The cgroup (existing or new), or `EINVAL` for a bad name or limit.
   * @example
   * ```ts ignore
   * const g = kernel.cgroups.create("/berth/web", { cpuMax: "50000 100000", memoryMax: 64 << 20 });
   * ```
   */
  create(path: string, limits: CgroupLimits = {}): Cgroup | Errno {
    let g = this.root;
    for (const part of path.split("/").filter((s) => s !== "")) {
      if (part === "." || part === ".." || part.includes("\n")) return Errno.EINVAL;
      for (const c of CONTROLLERS) g.subtreeControl.add(c);
      let next = g.children.get(part);
      if (!next) {
        next = new Cgroup(part, g);
        g.children.set(part, next);
      }
      g = next;
    }
    const set = (name: string, v: string | undefined) =>
      v === undefined ? 0 : this.writeGroup(g, name, v);
    const results = [
      set("cpu.weight", limits.cpuWeight?.toString()),
      set("cpu.max", limits.cpuMax),
      set("memory.max", limits.memoryMax === undefined ? undefined : fmtMax(limits.memoryMax)),
      set("memory.high", limits.memoryHigh === undefined ? undefined : fmtMax(limits.memoryHigh)),
      set("pids.max", limits.pidsMax === undefined ? undefined : fmtMax(limits.pidsMax)),
    ];
    const bad = results.find((r) => r !== 0);
    return bad ?? g;
  }

  /**
   * Remove an empty cgroup (rmdir).
   *
   * @param path The cgroup.
   * @returns 0, `ENOENT`, `EBUSY` (processes or children inside), or `EPERM` for the root.
   */
  remove(path: string): 0 | Errno {
    const g = this.get(path);
    if (!g) return Errno.ENOENT;
    if (!g.parent) return Errno.EPERM;
    if (g.children.size > 0 || g.populatedCount > 0) return Errno.EBUSY;
    clearKernelTimeout(g.unthrottleTimer);
    g.parent.runq.delete(g);
    g.parent.children.delete(g.name);
    return 0;
  }

  /**
   * Names of the interface files of a cgroup.
   *
   * @param path The cgroup.
   * @returns File names, or `ENOENT`.
   */
  files(path: string): string[] | Errno {
    const g = this.get(path);
    if (!g) return Errno.ENOENT;
    const out = [...BASE_FILES];
    if (g.parent) out.push(...CHILD_ONLY);
    for (const c of g.controllers) {
      out.push(...FILES[c].root);
      if (g.parent) out.push(...FILES[c].child);
    }
    return out;
  }

  /**
   * Read an interface file.
   *
   * @param path The cgroup.
   * @param name File name, e.g. "cpu.stat".
   * @param viewer PID namespace of the reader (for `cgroup.procs`); null = global pids.
   * @returns The content (newline-terminated), or `ENOENT`.
   * @example
   * ```ts ignore
   * kernel.cgroups.readFile("/c1", "memory.events");
   * ```
   */
  readFile(path: string, name: string, viewer: PidNamespace | null = null): string | Errno {
    const g = this.get(path);
    if (!g) return Errno.ENOENT;
    const files = this.files(path) as string[];
    if (!files.includes(name)) return Errno.ENOENT;
    switch (name) {
      case "cgroup.procs":
        return this.#host.pidsIn(g, viewer).map((p) => `${p}\n`).join("");
      case "cgroup.controllers":
        return g.controllers.join(" ") + "\n";
      case "cgroup.subtree_control":
        return CONTROLLERS.filter((c) => g.subtreeControl.has(c)).join(" ") + "\n";
      case "cgroup.events":
        return `populated ${g.populatedCount > 0 ? 1 : 0}\nfrozen ${g.frozen ? 1 : 0}\n`;
      case "cgroup.type":
        return "domain\n";
      case "cgroup.freeze":
        return `${g.freezeSelf ? 1 : 0}\n`;
      case "cgroup.kill":
        return Errno.EACCES; // write-only, as on Linux
      case "cpu.weight":
        return `${g.cpuWeight}\n`;
      case "cpu.max":
        return `${g.cpuQuotaUs === null ? "max" : g.cpuQuotaUs} ${g.cpuPeriodUs}\n`;
      case "cpu.stat": {
        const lines = [
          `usage_usec ${Math.round(g.usageUs)}`,
          `user_usec ${Math.round(g.userUs)}`,
          `system_usec ${Math.round(g.systemUs)}`,
        ];
        if (g.parent) {
          lines.push(
            `nr_periods ${g.nrPeriods}`,
            `nr_throttled ${g.nrThrottled}`,
            `throttled_usec ${Math.round(g.throttledUs)}`,
          );
        }
        return lines.join("\n") + "\n";
      }
      case "memory.current":
        return `${g.memoryCurrent}\n`;
      case "memory.peak":
        return `${g.memoryPeak}\n`;
      case "memory.max":
        return `${fmtMax(g.memoryMax)}\n`;
      case "memory.high":
        return `${fmtMax(g.memoryHigh)}\n`;
      case "memory.events": {
        const e = g.memoryEvents;
        return `low ${e.low}\nhigh ${e.high}\nmax ${e.max}\noom ${e.oom}\noom_kill ${e.oom_kill}\n`;
      }
      case "memory.stat": {
        const s = g.memoryStat;
        return [
          `anon ${s.anon}`,
          `file ${s.file}`,
          `kernel ${s.kernel}`,
          `kernel_stack ${s.kernel}`,
          `sock 0`,
          `shmem ${s.ipc}`,
          `pipe ${s.pipe}`,
          `ipc ${s.ipc}`,
        ].join("\n") + "\n";
      }
      case "pids.current":
        return `${g.pidsCurrent}\n`;
      case "pids.max":
        return `${fmtMax(g.pidsMax)}\n`;
      case "pids.events":
        return `max ${g.pidsEventsMax}\n`;
    }
    return Errno.ENOENT;
  }

  /**
   * Write an interface file.
   *
   * @param path The cgroup.
   * @param name File name.
   * @param value Text written.
   * @param writer PID namespace of the writer (pids in `cgroup.procs`); null = global.
   * @returns 0, `ENOENT` (no such file), `EINVAL` (bad value), `EACCES` (read-only
   * file), `ESRCH` (unknown pid), `EBUSY`.
   * @example
   * ```ts ignore
   * kernel.cgroups.writeFile("/c1", "cpu.max", "25000 100000");
   * ```
   */
  writeFile(
    path: string,
    name: string,
    value: string,
    writer: PidNamespace | null = null,
  ): 0 | Errno {
    const g = this.get(path);
    if (!g) return Errno.ENOENT;
    const files = this.files(path) as string[];
    if (!files.includes(name)) return Errno.ENOENT;
    if (name === "cgroup.procs") {
      for (const line of value.split("\n").map((s) => s.trim()).filter((s) => s !== "")) {
        const pid = Number(line);
        if (!Number.isInteger(pid) || pid < 0) return Errno.EINVAL;
        const global = this.#host.globalPid(pid, writer);
        if (global === null) return Errno.ESRCH;
        const r = this.#host.attachPid(global, g);
        if (r !== 0) return r;
      }
      return 0;
    }
    return this.writeGroup(g, name, value);
  }

  /**
   * Write a file of a cgroup object (no existence check of the file name).
   *
   * @param g The cgroup.
   * @param name File name.
   * @param value Text.
   * @returns 0 or an errno.
   */
  writeGroup(g: Cgroup, name: string, value: string): 0 | Errno {
    const v = value.trim();
    switch (name) {
      case "cgroup.subtree_control": {
        for (const tok of v.split(/\s+/).filter((s) => s !== "")) {
          const c = tok.slice(1) as Controller;
          if (!CONTROLLERS.includes(c) || !g.controllers.includes(c)) return Errno.EINVAL;
          if (tok[0] === "+") g.subtreeControl.add(c);
          else if (tok[0] === "-") g.subtreeControl.delete(c);
          else return Errno.EINVAL;
        }
        return 0;
      }
      case "cgroup.kill": {
        if (v !== "1") return Errno.EINVAL;
        this.#host.killAll?.(g);
        return 0;
      }
      case "cgroup.freeze": {
        if (v !== "0" && v !== "1") return Errno.EINVAL;
        g.freezeSelf = v === "1";
        this.#host.refreshGroup(g);
        return 0;
      }
      case "cpu.weight": {
        const w = Number(v);
        if (!Number.isInteger(w) || w < 1 || w > 10000) return Errno.EINVAL;
        g.cpuWeight = w;
        return 0;
      }
      case "cpu.max": {
        const m = parseCpuMax(v, g.cpuPeriodUs);
        if (!m) return Errno.EINVAL;
        g.cpuQuotaUs = m.quotaUs;
        g.cpuPeriodUs = m.periodUs;
        this.#host.refreshGroup(g);
        return 0;
      }
      case "memory.max":
      case "memory.high": {
        const n = parseMemory(v);
        if (n === null) return Errno.EINVAL;
        if (name === "memory.high") {
          g.memoryHigh = n;
          return 0;
        }
        g.memoryMax = n;
        // Like Linux: when usage is over the new limit and cannot be reclaimed, OOM-kill.
        let guard = 1000;
        while (g.memoryCurrent > g.memoryMax && guard-- > 0) {
          if (!oomKill(g)) break;
        }
        return 0;
      }
      case "pids.max": {
        const n = v === "max" ? Infinity : Number(v);
        if (n !== Infinity && (!Number.isInteger(n) || n < 0)) return Errno.EINVAL;
        g.pidsMax = n;
        return 0;
      }
      case "cgroup.procs":
      case "cgroup.controllers":
      case "cgroup.events":
      case "cgroup.type":
      case "cpu.stat":
      case "memory.current":
      case "memory.peak":
      case "memory.events":
      case "memory.stat":
      case "pids.current":
      case "pids.events":
        return Errno.EACCES;
    }
    return Errno.ENOENT;
  }

  /** Every cgroup path, parents first. */
  list(): string[] {
    const out: string[] = [];
    const visit = (g: Cgroup) => {
      out.push(g.path);
      // Sorted with `<`: `localeCompare` loads ICU's collation data at its first call (≈ 7 ms).
      for (const c of [...g.children.values()].sort((a, b) => a.name < b.name ? -1 : 1)) {
        visit(c);
      }
    };
    visit(this.root);
    return out;
  }
}
