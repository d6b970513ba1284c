/**
 * The text of `/proc/sysvipc/{msg,sem,shm}` for one IPC namespace, in Linux's layout
 * (procfs serves it; `ipcs` from util-linux reads it).
 *
 * @module
 */
import type { IpcNamespace } from "./ipc_namespace.ts";

const r = (v: number, w: number) => String(v).padStart(w);
const oct = (m: number) => (m & 0o1777).toString(8).padStart(4);

/**
 * Render one `/proc/sysvipc` file.
 *
 * @param ns The namespace.
 * @param kind `msg`, `sem` or `shm`.
 * @returns The file text.
 * @example
 * ```ts
 * import { IpcNamespace } from "./ipc_namespace.ts";
 * import { sysvipcText } from "./sysvipc.ts";
 * console.assert(sysvipcText(new IpcNamespace(), "msg").startsWith("       key"));
 * ```
 */
export function sysvipcText(ns: IpcNamespace, kind: "msg" | "sem" | "shm"): string {
  if (kind === "msg") {
    let t =
      "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n";
    for (const q of ns.msg) {
      const p = q.perm;
      t += `${r(p.key, 10)} ${r(p.id, 10)}  ${oct(p.mode)}  ${r(q.cbytes, 10)} ${
        r(q.messages.length, 10)
      } ${r(q.lspid, 5)} ${r(q.lrpid, 5)} ${r(p.uid, 5)} ${r(p.gid, 5)} ${r(p.cuid, 5)} ${
        r(p.cgid, 5)
      } ${r(q.stime, 10)} ${r(q.rtime, 10)} ${r(p.ctime, 10)}\n`;
    }
    return t;
  }
  if (kind === "sem") {
    let t =
      "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
    for (const s of ns.sem) {
      const p = s.perm;
      t += `${r(p.key, 10)} ${r(p.id, 10)}  ${oct(p.mode)} ${r(s.values.length, 10)} ${
        r(p.uid, 5)
      } ${r(p.gid, 5)} ${r(p.cuid, 5)} ${r(p.cgid, 5)} ${r(s.otime, 10)} ${r(p.ctime, 10)}\n`;
    }
    return t;
  }
  let t =
    "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
  for (const s of ns.shm) {
    const p = s.perm;
    t += `${r(p.key, 10)} ${r(p.id, 10)}  ${oct(p.mode)} ${r(s.segsz, 21)} ${r(s.cpid, 5)} ${
      r(s.lpid, 5)
    }  ${r(s.nattch, 5)} ${r(p.uid, 5)} ${r(p.gid, 5)} ${r(p.cuid, 5)} ${r(p.cgid, 5)} ${
      r(s.atime, 10)
    } ${r(s.dtime, 10)} ${r(p.ctime, 10)} ${r(s.data.length, 21)} ${r(0, 21)}\n`;
  }
  return t;
}
