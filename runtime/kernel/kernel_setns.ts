/**
 * `setns`: joining the namespace behind a `/proc/PID/ns/*` file, or a namespace object.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import { Cgroup } from "./cgroup.ts";
import { IpcNamespace } from "./ipc/ipc_namespace.ts";
import { PidNamespace, UtsNamespace } from "./namespaces.ts";
import type { Process } from "./process.ts";
import { ipcSwitch } from "./syscalls/sys_ipc.ts";

/** `CLONE_NEW*` flag of each `/proc/PID/ns/*` name. */
const NS_TYPES: Record<string, number> = {
  mnt: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  pid: 0x20000000,
  pid_for_children: 0x20000000,
};

/**
 * `setns(fd, nstype)` with an fd opened on `/proc/PID/ns/*` (procfs's node carries the
 * namespace object and its kind).
 *
 * @param p Caller.
 * @param fd Descriptor.
 * @param nstype `CLONE_NEW*` or 0.
 * @returns 0 or an errno.
 */
export function setnsFromFd(p: Process, fd: number, nstype: number): 0 | Errno {
  const fds =
    (p.fs as { fds: { get?(fd: number): { loc?: { inode: unknown } | null } | undefined } })
      .fds;
  const file = fds.get?.(fd);
  if (!file) return Errno.EBADF;
  const node = file.loc?.inode as { kind?: string; ns?: unknown } | undefined;
  const type = node?.kind ? NS_TYPES[node.kind] : undefined;
  if (!node || type === undefined) return Errno.EINVAL;
  if (nstype !== 0 && nstype !== type) return Errno.EINVAL;
  return setnsTo(p, type, node.ns);
}

/**
 * Join a namespace object (`setns`).
 *
 * @param p Caller (root only).
 * @param nstype One `CLONE_NEW*` flag.
 * @param ns The namespace object of that type.
 * @returns 0, `EPERM` or `EINVAL`.
 */
export function setnsTo(p: Process, nstype: number, ns: unknown): 0 | Errno {
  if (p.cred.euid !== 0) return Errno.EPERM;
  switch (nstype) {
    case 0x04000000:
      if (!(ns instanceof UtsNamespace)) return Errno.EINVAL;
      p.uts = ns;
      return 0;
    case 0x08000000:
      if (!(ns instanceof IpcNamespace)) return Errno.EINVAL;
      if (p.ipc !== ns) {
        ipcSwitch(p, ns);
        p.ipc = ns;
      }
      return 0;
    case 0x20000000:
      if (!(ns instanceof PidNamespace) || !p.pidNs.contains(ns)) return Errno.EINVAL;
      p.childPidNs = ns as PidNamespace<Process>;
      return 0;
    case 0x02000000:
      if (!(ns instanceof Cgroup)) return Errno.EINVAL;
      p.cgroupNsRoot = ns;
      return 0;
    case 0x00020000: {
      const fs = p.fs as { enterMounts?(ns: unknown): void };
      if (!fs.enterMounts || typeof ns !== "object" || ns === null) return Errno.EINVAL;
      fs.enterMounts(ns);
      return 0;
    }
    default:
      return Errno.EINVAL;
  }
}
