/**
 * The cgroup v2 tree: one per kernel. Each node accounts CPU (`cpu.weight`, `cpu.max`,
 * `cpu.stat`), memory (`memory.max`, `memory.high`, `memory.current`, `memory.peak`,
 * `memory.events`, `memory.stat`) and pids (`pids.max`, `pids.current`, `pids.events`),
 * hierarchically as Linux does: a charge counts in every ancestor, and a limit anywhere on
 * the path to the root refuses it.
 *
 * The scheduler keeps its per-group run queue on the node (group scheduling entity).
 * Files are read and written by name through `cgroup_files.ts`.
 *
 * @module
 */
import type { MemoryCharger, MemoryKind } from "./task.ts";
import type { KernelTimer } from "./timers.ts";
import { type Queueable, RunQueue } from "./run_queue.ts";

/** A schedulable entity: a process or a cgroup's group entity. */
export interface SchedEntity extends Queueable {
  /** Weighted virtual runtime, µs scaled by 100/weight. */
  vruntime: number;
  /** Whether this is a cgroup (true) or a process (false). */
  readonly isGroup: boolean;
}

/** What a cgroup needs to know of its member processes. */
export interface CgroupMember {
  /** Global pid. */
  readonly id: number;
  /** Resident memory charged for this process (anon + kernel), bytes. */
  readonly rssBytes: number;
  /** Kill with SIGKILL on behalf of the OOM killer. */
  oomKill(): void;
  /** Whether the process is still running (not a zombie). */
  readonly alive: boolean;
}

/** Counters of `memory.events`. */
export interface MemoryEvents {
  /** Times memory.low protection was breached (always 0: memory.low is not implemented). */
  low: number;
  /** Charges that left usage over memory.high (each one throttles the charging process). */
  high: number;
  /** Times a charge hit memory.max. */
  max: number;
  /** Times the OOM state was entered. */
  oom: number;
  /** Processes killed by the OOM killer. */
  oom_kill: number;
}

/** Limits a cgroup may be created with. */
export interface CgroupLimits {
  /** `cpu.weight`, 1..10000 (default 100). */
  cpuWeight?: number;
  /** `cpu.max` text ("25000 100000" or "max 100000"). */
  cpuMax?: string;
  /** `memory.max` in bytes (Infinity = "max"). */
  memoryMax?: number;
  /** `memory.high` in bytes. */
  memoryHigh?: number;
  /** `pids.max` (Infinity = "max"). */
  pidsMax?: number;
}

/** A controller name. */
export type Controller = "cpu" | "memory" | "pids";
/** The controllers Berth implements. */
export const CONTROLLERS: readonly Controller[] = ["cpu", "memory", "pids"];

const KINDS: MemoryKind[] = ["anon", "file", "kernel", "pipe", "ipc"];

/** One cgroup. */
export class Cgroup implements SchedEntity {
  /** Name within its parent ("" for the root). */
  readonly name: string;
  /** Parent, null for the root. */
  readonly parent: Cgroup | null;
  /** Children by name. */
  readonly children: Map<string, Cgroup> = new Map();
  /** Processes attached directly to this cgroup. */
  readonly procs: Set<CgroupMember> = new Set();
  /** Processes in this subtree that are not yet reaped (`cgroup.events` populated). */
  populatedCount = 0;
  /** Controllers enabled for the children (`cgroup.subtree_control`). */
  readonly subtreeControl: Set<Controller> = new Set();
  /** `cgroup.freeze` of this node. */
  freezeSelf = false;

  // --- cpu ---
  /** `cpu.weight`. */
  cpuWeight = 100;
  /** Quota per period in µs, null = "max". */
  cpuQuotaUs: number | null = null;
  /** Period in µs. */
  cpuPeriodUs = 100_000;
  /** Total CPU time, µs. */
  usageUs = 0;
  /** User CPU time, µs. */
  userUs = 0;
  /** System CPU time, µs. */
  systemUs = 0;
  /** Enforcement periods elapsed while active. */
  nrPeriods = 0;
  /** Periods in which the group was throttled. */
  nrThrottled = 0;
  /** Total time throttled, µs. */
  throttledUs = 0;
  /** CPU used in the current period, µs (may exceed the quota: carried as debt). */
  periodUsedUs = 0;
  /** Start of the current period, ms (performance.now()). */
  periodStartMs = 0;
  /** Whether the group is throttled now. */
  throttled = false;
  /** When the throttle began, ms. */
  throttledAtMs = 0;
  /** Timer that ends the throttle. */
  unthrottleTimer: KernelTimer | undefined;

  // --- scheduler group entity ---
  /** Virtual runtime of this group in its parent's run queue. */
  vruntime = 0;
  /** Slot in the parent's run queue (RunQueue). */
  slot: number = -1;
  /** Queueing order in the parent's run queue (RunQueue). */
  rqSeq: number = 0;
  /** Always true. */
  readonly isGroup: boolean = true;
  /** Runnable entities (processes and child groups) of this group's run queue. */
  readonly runq: RunQueue<SchedEntity> = new RunQueue<SchedEntity>();
  /** Monotonic minimum vruntime of the run queue (placement of newcomers). */
  minVruntime = 0;
  /** Whether this group sits in its parent's run queue. */
  enqueued = false;

  // --- memory ---
  /** `memory.max` in bytes. */
  memoryMax: number = Infinity;
  /** `memory.high` in bytes. */
  memoryHigh: number = Infinity;
  /** `memory.current` in bytes. */
  memoryCurrent = 0;
  /** `memory.peak` in bytes. */
  memoryPeak = 0;
  /** Per-kind usage (`memory.stat`). */
  readonly memoryStat: Record<MemoryKind, number> = {
    anon: 0,
    file: 0,
    kernel: 0,
    pipe: 0,
    ipc: 0,
  };
  /** `memory.events`. */
  readonly memoryEvents: MemoryEvents = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0 };
  /**
   * Root only (set by the kernel): told after a charge that left cgroups of the charged
   * path over their `memory.high`, with the largest excess as a fraction of that limit. The
   * kernel throttles the process that made the charge, as Linux's
   * `mem_cgroup_handle_over_high` does on the way back to user space.
   */
  onOverHigh: ((excess: number) => void) | null = null;

  // --- pids ---
  /** `pids.max`. */
  pidsMax: number = Infinity;
  /** `pids.current`. */
  pidsCurrent = 0;
  /** `pids.events` max: forks refused by this cgroup's limit. */
  pidsEventsMax = 0;

  /**
   * A cgroup with default limits (none).
   *
   * @param name Name in the parent.
   * @param parent Parent cgroup, null for the root.
   */
  constructor(name: string, parent: Cgroup | null) {
    this.name = name;
    this.parent = parent;
  }

  /** Path from the root, "/" for the root, "/a/b" otherwise. */
  get path(): string {
    if (!this.parent) return "/";
    const up = this.parent.path;
    return up === "/" ? `/${this.name}` : `${up}/${this.name}`;
  }

  /** Depth: 0 for the root. */
  get depth(): number {
    return this.parent ? this.parent.depth + 1 : 0;
  }

  /** Whether this cgroup or an ancestor is frozen. */
  get frozen(): boolean {
    return this.freezeSelf || (this.parent?.frozen ?? false);
  }

  /** Controllers available here (`cgroup.controllers`): the parent's subtree_control; all at the root. */
  get controllers(): Controller[] {
    if (!this.parent) return [...CONTROLLERS];
    return CONTROLLERS.filter((c) => this.parent!.subtreeControl.has(c));
  }

  /** Whether `ancestor` is this cgroup or one of its ancestors. */
  isWithin(ancestor: Cgroup): boolean {
    return this === ancestor || (this.parent?.isWithin(ancestor) ?? false);
  }

  /** Every process attached in this subtree. */
  *subtreeProcs(): Generator<CgroupMember> {
    yield* this.procs;
    for (const c of this.children.values()) yield* c.subtreeProcs();
  }
}

/**
 * Charge `bytes` of `kind` to `cg` and its ancestors.
 *
 * @param cg The cgroup charged.
 * @param bytes Bytes (>= 0).
 * @param kind Kind of memory for `memory.stat`.
 * @returns The cgroup whose `memory.max` refused the charge (its `memory.events` max is
 * incremented), or null when charged.
 * @example
 * ```ts
 * import { Cgroup, chargeMemory } from "./cgroup.ts";
 * const g = new Cgroup("", null);
 * g.memoryMax = 10;
 * console.assert(chargeMemory(g, 20, "anon") === g && g.memoryEvents.max === 1);
 * ```
 */
export function chargeMemory(cg: Cgroup, bytes: number, kind: MemoryKind): Cgroup | null {
  for (let g: Cgroup | null = cg; g; g = g.parent) {
    if (g.memoryCurrent + bytes > g.memoryMax) {
      g.memoryEvents.max++;
      return g;
    }
  }
  let excess = 0;
  let root = cg;
  for (let g: Cgroup | null = cg; g; g = g.parent) {
    root = g;
    g.memoryCurrent += bytes;
    g.memoryStat[kind] += bytes;
    if (g.memoryCurrent > g.memoryPeak) g.memoryPeak = g.memoryCurrent;
    if (g.memoryCurrent > g.memoryHigh && bytes > 0) {
      // Nothing Berth holds can be reclaimed (no page cache, no swap): every charge over
      // memory.high is a throttling event (Linux counts one per reclaim_high pass).
      g.memoryEvents.high++;
      excess = Math.max(excess, (g.memoryCurrent - g.memoryHigh) / Math.max(g.memoryHigh, 1));
    }
  }
  if (excess > 0) root.onOverHigh?.(excess);
  return null;
}

/**
 * Give back memory charged with {@link chargeMemory}.
 *
 * @param cg The cgroup charged earlier.
 * @param bytes Bytes.
 * @param kind Kind.
 * @example
 * ```ts
 * import { Cgroup, chargeMemory, unchargeMemory } from "./cgroup.ts";
 * const g = new Cgroup("", null);
 * chargeMemory(g, 5, "file");
 * unchargeMemory(g, 5, "file");
 * console.assert(g.memoryCurrent === 0);
 * ```
 */
export function unchargeMemory(cg: Cgroup, bytes: number, kind: MemoryKind): void {
  for (let g: Cgroup | null = cg; g; g = g.parent) {
    g.memoryCurrent = Math.max(0, g.memoryCurrent - bytes);
    g.memoryStat[kind] = Math.max(0, g.memoryStat[kind] - bytes);
  }
}

/**
 * Run the OOM killer for `cg`: kill the live process of its subtree with the most
 * resident memory. `memory.events` counts `oom` in `cg`, and `oom_kill` in the victim's
 * cgroup and each of its ancestors (the file is hierarchical, as in cgroup v2: a kill by
 * a parent's limit, such as the daemon's memory budget, shows in the container's own
 * file, which is what Docker's `OOMKilled` reads).
 *
 * @param cg The cgroup whose limit was hit.
 * @returns The victim, or null when the subtree has no live process.
 * @example
 * ```ts ignore
 * oomKill(container.cgroup);
 * ```
 */
export function oomKill(cg: Cgroup): CgroupMember | null {
  cg.memoryEvents.oom++;
  let best: { p: CgroupMember; home: Cgroup } | null = null;
  const todo: Cgroup[] = [cg];
  for (let g = todo.pop(); g; g = todo.pop()) {
    for (const p of g.procs) {
      if (p.alive && (!best || p.rssBytes > best.p.rssBytes)) best = { p, home: g };
    }
    todo.push(...g.children.values());
  }
  if (!best) return null;
  for (let g: Cgroup | null = best.home; g; g = g.parent) g.memoryEvents.oom_kill++;
  best.p.oomKill();
  return best.p;
}

/**
 * Account a new process in `cg` for `pids.max`.
 *
 * @param cg The cgroup of the new process.
 * @returns The cgroup whose `pids.max` refused it, or null when charged.
 * @example
 * ```ts
 * import { Cgroup, chargePid } from "./cgroup.ts";
 * const g = new Cgroup("", null);
 * g.pidsMax = 0;
 * console.assert(chargePid(g) === g);
 * ```
 */
export function chargePid(cg: Cgroup): Cgroup | null {
  for (let g: Cgroup | null = cg; g; g = g.parent) {
    if (g.pidsCurrent + 1 > g.pidsMax) {
      g.pidsEventsMax++;
      return g;
    }
  }
  for (let g: Cgroup | null = cg; g; g = g.parent) g.pidsCurrent++;
  return null;
}

/**
 * Undo {@link chargePid} when a process is reaped.
 *
 * @param cg The cgroup of the process.
 * @example
 * ```ts
 * import { Cgroup, chargePid, unchargePid } from "./cgroup.ts";
 * const g = new Cgroup("", null);
 * chargePid(g);
 * unchargePid(g);
 * console.assert(g.pidsCurrent === 0);
 * ```
 */
export function unchargePid(cg: Cgroup): void {
  for (let g: Cgroup | null = cg; g; g = g.parent) g.pidsCurrent = Math.max(0, g.pidsCurrent - 1);
}

/**
 * A {@link MemoryCharger} bound to a cgroup (what `Task.memory` is).
 *
 * @param cg The cgroup.
 * @returns A charger whose charges count in `cg` and its ancestors.
 * @example
 * ```ts
 * import { Cgroup, memoryChargerOf } from "./cgroup.ts";
 * const g = new Cgroup("", null);
 * console.assert(memoryChargerOf(g).tryCharge(10, "file"));
 * ```
 */
export function memoryChargerOf(cg: Cgroup): MemoryCharger {
  return {
    tryCharge: (bytes, kind) => chargeMemory(cg, bytes, kind) === null,
    uncharge: (bytes, kind) => unchargeMemory(cg, bytes, kind),
  };
}

/** Move `bytes` of every kind charged to `from` over to `to` (used when a process changes cgroup). */
export function moveCharges(
  from: Cgroup,
  to: Cgroup,
  charges: Partial<Record<MemoryKind, number>>,
): void {
  for (const k of KINDS) {
    const n = charges[k] ?? 0;
    if (n <= 0) continue;
    unchargeMemory(from, n, k);
    // Linux moves charges without enforcing the target's limit (memory.move_charge_at_immigrate).
    for (let g: Cgroup | null = to; g; g = g.parent) {
      g.memoryCurrent += n;
      g.memoryStat[k] += n;
      if (g.memoryCurrent > g.memoryPeak) g.memoryPeak = g.memoryCurrent;
    }
  }
}
