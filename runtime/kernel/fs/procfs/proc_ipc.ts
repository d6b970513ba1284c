/**
 * The IPC files of procfs, per IPC namespace of the process that reads or writes them
 * (as Linux's `ipc_sysctl.c`, `mq_sysctl.c` and `sysvipc_proc_open` use
 * `current->nsproxy->ipc_ns`, not the namespace of whoever mounted `/proc`):
 *
 * - `/proc/sys/kernel/{msgmax,msgmnb,msgmni,sem,shmmax,shmall,shmmni}` and
 *   `/proc/sys/fs/mqueue/{queues_max,msg_max,msgsize_max,msg_default,msgsize_default}`:
 *   readable by everyone, writable (mode 0644) by root; a write changes the writer's
 *   namespace only, and `ipc/` enforces the new value on the next call;
 * - `/proc/sysvipc/{msg,sem,shm}`: the namespace's objects in Linux's columns.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Task } from "../../task.ts";
import type { OpContext } from "../../vfs/types.ts";
import { IpcNamespace } from "../../ipc/ipc_namespace.ts";
import { IPC_SYSCTL_FILES, readIpcSysctl, writeIpcSysctl } from "../../ipc/ipc_limits.ts";
import { sysvipcText } from "../../ipc/sysvipc.ts";
import type { SynthEntry } from "../synthetic/synthetic.ts";

/** The IPC namespace of the caller (`ctx.task`), else the viewer's; null without one. */
function ipcOf(ctx: OpContext, viewer: Task): IpcNamespace | null {
  const own = ctx.task?.ipc;
  if (own instanceof IpcNamespace) return own;
  const v = viewer.ipc;
  return v instanceof IpcNamespace ? v : null;
}

/**
 * The IPC sysctl files of one `/proc/sys` directory, by name.
 *
 * @param dir `"kernel"` or `"fs/mqueue"`.
 * @param viewer The task that mounted procfs (used when the caller has no namespace).
 * @returns Name → file entry (mode 0644; writes need euid 0, else `EPERM`).
 * @example
 * ```ts ignore
 * fixedDir({ ...ipcSysctlEntries("kernel", viewer), hostname: … });
 * ```
 */
export function ipcSysctlEntries(
  dir: "kernel" | "fs/mqueue",
  viewer: Task,
): Record<string, SynthEntry> {
  const out: Record<string, SynthEntry> = {};
  for (const path of IPC_SYSCTL_FILES) {
    if (!path.startsWith(`${dir}/`)) continue;
    const name = path.slice(dir.length + 1);
    out[name] = {
      kind: "file",
      mode: 0o644,
      read: (ctx) => {
        const ns = ipcOf(ctx, viewer);
        return ns ? readIpcSysctl(ns.limits, path) : Errno.ENOENT;
      },
      write: (text, ctx) => {
        // Mode 0644 already refuses other users at open; a descriptor passed on to one
        // still cannot write (Linux checks CAP_SYS_RESOURCE-like rights again).
        if (ctx.cred.euid !== 0) return Errno.EPERM;
        const ns = ipcOf(ctx, viewer);
        return ns ? writeIpcSysctl(ns.limits, path, text) : Errno.ENOENT;
      },
    };
  }
  return out;
}

/**
 * The `/proc/sysvipc` directory entries: `msg`, `sem`, `shm` of the reader's namespace.
 *
 * @param viewer The task that mounted procfs (used when the caller has no namespace).
 * @returns Name → read-only file entry.
 * @example
 * ```ts ignore
 * fixedDir(sysvipcEntries(viewer));
 * ```
 */
export function sysvipcEntries(viewer: Task): Record<string, SynthEntry> {
  const entry = (kind: "msg" | "sem" | "shm"): SynthEntry => ({
    kind: "file",
    read: (ctx) => {
      const ns = ipcOf(ctx, viewer);
      return ns ? sysvipcText(ns, kind) : Errno.ENOENT;
    },
  });
  return { msg: entry("msg"), sem: entry("sem"), shm: entry("shm") };
}
