/**
 * Test helpers: a minimal {@link Task} (credentials, pid, a memory cgroup with a limit,
 * interruptible blocking) for IPC unit tests, and an fd table adapter for mq tests.
 * The kernel's real processes replace these in the integration tests.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { isDirectWake, type MemoryCharger, type MemoryKind, type Task } from "../task.ts";
import type { IpcNamespace } from "./ipc_namespace.ts";
import type { MqFds, MqHandle } from "./mqueue.ts";

/** A memory cgroup stand-in with a limit. */
export class TestCharger implements MemoryCharger {
  /** Charged bytes. */
  current = 0;
  /** @param max Limit. */
  constructor(public max = Infinity) {}
  /** Charge if under the limit. */
  tryCharge(bytes: number, _kind: MemoryKind): boolean {
    if (this.current + bytes > this.max) return false;
    this.current += bytes;
    return true;
  }
  /** Uncharge. */
  uncharge(bytes: number, _kind: MemoryKind): void {
    this.current -= bytes;
  }
}

/** A test task plus a way to interrupt its sleep. */
export interface TestTask extends Task<unknown, IpcNamespace> {
  /** Deliver a "signal": a pending block resolves with EINTR. */
  interrupt(): void;
  /** The charger. */
  readonly memory: TestCharger;
}

let nextId = 100;

/**
 * Make a task in `ns`.
 *
 * @param ns IPC namespace (entered).
 * @param opts uid/gid and memory limit.
 * @returns The task.
 */
export function testTask(
  ns: IpcNamespace,
  opts: { uid?: number; gid?: number; memory?: TestCharger } = {},
): TestTask {
  const id = nextId++;
  const uid = opts.uid ?? 0;
  const gid = opts.gid ?? uid;
  const interrupters = new Set<() => void>();
  ns.enter();
  return {
    id,
    nsPid: id,
    cred: { uid, gid, euid: uid, egid: gid, groups: [gid] },
    fs: null,
    ipc: ns,
    memory: opts.memory ?? new TestCharger(),
    block<T>(wake: Promise<T>, cancel?: () => void): Promise<T | Errno> {
      return new Promise((resolve) => {
        const intr = () => {
          interrupters.delete(intr);
          if (cancel) cancel();
          else if (isDirectWake(wake)) wake.cancelSleep();
          resolve(Errno.EINTR);
        };
        interrupters.add(intr);
        wake.then((v) => {
          if (!interrupters.has(intr)) return;
          interrupters.delete(intr);
          resolve(v);
        });
      });
    },
    signal() {},
    interrupt() {
      for (const i of [...interrupters]) i();
    },
  };
}

/** A per-test fd table for mq descriptors. */
export function testFds(): MqFds & { close(fd: number): void } {
  const table = new Map<number, { handle: MqHandle; flags: number }>();
  return {
    install(handle, _name, flags) {
      let fd = 3;
      while (table.has(fd)) fd++;
      table.set(fd, { handle, flags });
      return fd;
    },
    lookup(fd) {
      return table.get(fd);
    },
    close(fd) {
      table.get(fd)?.handle.release();
      table.delete(fd);
    },
  };
}
