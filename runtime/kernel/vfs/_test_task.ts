/**
 * Test helpers: a small {@link Task} over a real VFS (tmpfs root, real fd table, real
 * mount namespace). The process side (scheduler, cgroups) lives elsewhere; this stands in
 * for it with a counting memory charger and a `block` that just awaits.
 *
 * @module
 */
import { type Credentials, isDirectWake, type MemoryCharger, type MemoryKind } from "../task.ts";
import { Errno } from "../errno.ts";
import { FsState } from "./fs_state.ts";
import { Mount, MountNamespace } from "./mount.ts";
import { TmpFs } from "../fs/tmpfs/tmpfs.ts";
import type { FileTask } from "./resolve.ts";
import { defaultFsTypes } from "../syscalls/sys_mount.ts";

/** A memory charger with a limit that records what is charged. */
export class CountingCharger implements MemoryCharger {
  /** Bytes charged now. */
  current = 0;
  /** Limit (`memory.max`). */
  max: number;
  /** Charges by kind. */
  byKind: Record<string, number> = {};

  constructor(max = Infinity) {
    this.max = max;
  }

  tryCharge(bytes: number, kind: MemoryKind): boolean {
    if (this.current + bytes > this.max) return false;
    this.current += bytes;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + bytes;
    return true;
  }

  uncharge(bytes: number, kind: MemoryKind): void {
    this.current -= bytes;
    this.byKind[kind] = (this.byKind[kind] ?? 0) - bytes;
  }
}

/** A test task: real FsState, signals recorded, `block` interruptible by `interrupt()`. */
export interface TestTask extends FileTask {
  /** Signals sent to the task. */
  signals: number[];
  /** Interrupt the current sleep with EINTR. */
  interrupt(): void;
  /** Charger of the task. */
  readonly memory: CountingCharger;
}

let nextId = 100;

/**
 * A task with `cred` over `fs`.
 *
 * @param fs File-system state.
 * @param cred Credentials (default root).
 * @param memory Charger.
 * @returns The task.
 */
export function makeTask(
  fs: FsState,
  cred: Partial<Credentials> = {},
  memory: CountingCharger = new CountingCharger(),
): TestTask {
  const uid = cred.uid ?? 0;
  const gid = cred.gid ?? uid;
  const full: Credentials = {
    uid,
    gid,
    euid: cred.euid ?? uid,
    egid: cred.egid ?? gid,
    groups: cred.groups ?? [],
  };
  const signals: number[] = [];
  let wakers: (() => void)[] = [];
  const id = nextId++;
  return {
    id,
    nsPid: id,
    cred: full,
    fs,
    ipc: null,
    memory,
    signals,
    signal: (sig: number) => void signals.push(sig),
    interrupt: () => {
      const w = wakers;
      wakers = [];
      for (const f of w) f();
    },
    block<T>(wake: PromiseLike<T>, cancel?: () => void): Promise<T | Errno> {
      return new Promise<T | Errno>((resolve) => {
        const onIntr = () => {
          if (cancel) cancel();
          else if (isDirectWake(wake)) wake.cancelSleep();
          resolve(Errno.EINTR);
        };
        wakers.push(onIntr);
        wake.then((v) => {
          wakers = wakers.filter((f) => f !== onIntr);
          resolve(v);
        });
      });
    },
  };
}

/**
 * A fresh kernel file tree: a tmpfs root (mode 0755) in a new mount namespace, and a
 * root task in it.
 *
 * @param memory Charger for the root tmpfs and the task.
 * @returns The root task, its fs state and the root file system.
 */
export function testRoot(memory: CountingCharger = new CountingCharger()): {
  task: TestTask;
  fs: FsState;
  rootFs: TmpFs;
} {
  const rootFs = new TmpFs({ memory, rootMode: 0o755 });
  const ns = new MountNamespace(new Mount(rootFs, rootFs.root, 0, "rootfs"), defaultFsTypes());
  const fs = new FsState(ns);
  return { task: makeTask(fs, {}, memory), fs, rootFs };
}
