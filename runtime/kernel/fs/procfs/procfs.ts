/**
 * procfs at `/proc`, namespace-aware: the processes listed are those of the PID namespace
 * of the task that mounted it (as on Linux), `self` is the reader, and `meminfo`,
 * `cpuinfo`, `stat` show the container's limits as lxcfs does (memory.max as MemTotal,
 * cpu.max as the number of processors), so programs size themselves right.
 *
 * Files: `/proc/{self,meminfo,cpuinfo,loadavg,uptime,stat,mounts,filesystems,version,locks}`,
 * `/proc/sys/{kernel/{hostname,ostype,osrelease,pid_max},fs/pipe-max-size,…}` (read-only),
 * the IPC limits `/proc/sys/kernel/{msg*,sem,shm*}`, `/proc/sys/fs/mqueue/*` (writable by
 * root) and `/proc/sysvipc/{msg,sem,shm}` of the reader's IPC namespace (`proc_ipc.ts`), and
 * `/proc/PID/{stat,status,cmdline,environ,comm,cwd,root,exe,fd/,cgroup,mounts,mountinfo,ns/}`.
 * `cwd`, `root`, `exe` and `fd/N` are magic links: following them jumps to the place
 * (only when it is beneath the reader's root; otherwise the text is resolved inside the
 * reader's root). `fd/N` of a pipe or host stream opens the same open file again.
 * `fd/` is readable by the owner and root only (Linux's ptrace check, simplified).
 *
 * @module
 */
import { procLocksText } from "../../vfs/file_lock.ts";
import { Errno } from "../../errno.ts";
import type { Credentials, Task } from "../../task.ts";
import { FsState } from "../../vfs/fs_state.ts";
import type { FsFactory, Loc } from "../../vfs/mount.ts";
import { isBeneath, pathOf } from "../../vfs/path_walk.ts";
import type { FileHandle, Inode, MagicTarget, OpContext } from "../../vfs/types.ts";
import type { OpenFile } from "../../vfs/fd_table.ts";
import { fixedDir, type SynthDir, type SynthEntry, SynthFs } from "../synthetic/synthetic.ts";
import type { NsKind, ProcInfo, ProcSource } from "./proc_source.ts";
import { PIPE_MAX_SIZE } from "../../pipe/pipe.ts";
import { ipcSysctlEntries, sysvipcEntries } from "./proc_ipc.ts";

/** `PROC_SUPER_MAGIC`. */
const PROC_MAGIC = 0x9fa0;
/** USER_HZ. */
const HZ = 100;
const NS_KINDS: NsKind[] = [
  "cgroup",
  "ipc",
  "mnt",
  "net",
  "pid",
  "pid_for_children",
  "user",
  "uts",
];

/** File systems listed in `/proc/filesystems`. */
export const FILESYSTEMS = ["tmpfs", "proc", "cgroup2", "devtmpfs", "devpts", "overlay", "mqueue"];

function fsOf(task: Task | undefined): FsState | null {
  return task && task.fs instanceof FsState ? task.fs : null;
}

function kb(bytes: number): string {
  return String(Math.floor(bytes / 1024)).padStart(8) + " kB";
}

/**
 * The mount table of `fs` as `/proc/PID/mountinfo` (or `/proc/mounts`) shows it, paths
 * relative to `root` (mounts outside it are not shown).
 *
 * @param fs A process's file-system state.
 * @param root The reader's root.
 * @param info Format: "mountinfo" or "mounts".
 * @returns The text.
 * @example
 * ```ts ignore
 * mountTable(proc.fs, reader.fs.root, "mounts");
 * ```
 */
export function mountTable(fs: FsState, root: Loc, info: "mountinfo" | "mounts"): string {
  let out = "";
  for (const m of fs.mountNs.list()) {
    const at: Loc = m.parent && m.mountpoint ? { mount: m.parent, inode: m.mountpoint } : {
      mount: m,
      inode: m.root,
    };
    const top = { mount: m, inode: m.root };
    if (!isBeneath(top, root) && !(m === root.mount)) continue;
    const point = m === root.mount && m.root === root.inode ? "/" : pathOf(at, root);
    if (point.startsWith("(unreachable)")) continue;
    const ro = m.readonly ? "ro" : "rw";
    const opts = (m.fs.options?.() ?? "rw").replace(/^rw/, ro);
    if (info === "mounts") {
      out += `${m.source} ${point} ${m.fs.type} ${opts} 0 0\n`;
    } else {
      const parent = m.parent?.id ?? m.id;
      const within = pathInFs(m.root);
      out += `${m.id} ${parent} 0:${m.fs.dev} ${within} ${point} ${ro} - ${m.fs.type} ` +
        `${m.source} ${opts}\n`;
    }
  }
  return out;
}

/** Path of a directory inside its own file system (a bind mount's root in mountinfo). */
function pathInFs(dir: Inode): string {
  const names: string[] = [];
  let n = dir;
  for (let guard = 0; guard < 4096; guard++) {
    const p = n.parent?.();
    if (!p || p === n) break;
    const name = n.nameInParent?.();
    if (name === undefined) break;
    names.push(name);
    n = p;
  }
  return "/" + names.reverse().join("/");
}

function statLine(p: ProcInfo): string {
  const ticks = (us: number) => Math.floor((us / 1e6) * HZ);
  const f = [
    p.pid,
    `(${p.comm})`,
    p.state,
    p.ppid,
    p.pgid,
    p.sid,
    p.ttyNr ?? 0,
    p.tpgid ?? -1,
    0x400000, // flags
    0,
    0,
    0,
    0,
    ticks(p.utimeUs),
    ticks(p.stimeUs),
    ticks(p.cutimeUs ?? 0),
    ticks(p.cstimeUs ?? 0),
    20 + (p.nice ?? 0),
    p.nice ?? 0,
    1, // threads
    0,
    Math.max(0, Math.floor((p.startMs / 1000) * HZ)), // starttime: ticks since boot
    p.rssBytes, // vsize
    Math.ceil(p.rssBytes / 4096), // rss pages
  ];
  while (f.length < 52) f.push(0);
  return f.join(" ") + "\n";
}

const STATE_WORDS: Record<string, string> = {
  R: "running",
  S: "sleeping",
  T: "stopped",
  Z: "zombie",
};

function hex(mask: bigint): string {
  return mask.toString(16).padStart(16, "0");
}

function statusText(p: ProcInfo, fs: FsState | null, c: Credentials = p.cred): string {
  const groups = c.groups.join(" ");
  const fds = fs?.fds.fds().length ?? 0;
  const ns = (list: number[] | undefined) => (list ?? [p.pid]).join("\t");
  const lines = [
    `Name:\t${p.comm}`,
    `Umask:\t${(fs?.umask ?? 0o22).toString(8).padStart(4, "0")}`,
    `State:\t${p.state} (${STATE_WORDS[p.state] ?? "sleeping"})`,
    `Tgid:\t${p.pid}`,
    `Ngid:\t0`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid}`,
    `TracerPid:\t0`,
    `Uid:\t${c.uid}\t${c.euid}\t${c.euid}\t${c.euid}`,
    `Gid:\t${c.gid}\t${c.egid}\t${c.egid}\t${c.egid}`,
    `FDSize:\t${Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, fds))))}`,
    `Groups:\t${groups}${groups ? " " : ""}`,
    `NStgid:\t${ns(p.nsPids)}`,
    `NSpid:\t${ns(p.nsPids)}`,
    `NSpgid:\t${(p.nsPgids ?? [p.pgid]).join("\t")}`,
    `NSsid:\t${(p.nsSids ?? [p.sid]).join("\t")}`,
  ];
  if (p.state !== "Z") {
    lines.push(
      `VmPeak:\t${kb(p.peakRssBytes ?? p.rssBytes)}`,
      `VmSize:\t${kb(p.rssBytes)}`,
      `VmHWM:\t${kb(p.peakRssBytes ?? p.rssBytes)}`,
      `VmRSS:\t${kb(p.rssBytes)}`,
      `RssAnon:\t${kb(p.anonBytes ?? p.rssBytes)}`,
      `RssFile:\t${kb(0)}`,
      `RssShmem:\t${kb(0)}`,
    );
  }
  const sig = p.signals ?? { pending: 0n, blocked: 0n, ignored: 0n, caught: 0n };
  const caps = hex(p.caps ?? 0n);
  lines.push(
    `Threads:\t1`,
    `SigQ:\t0/63448`,
    `SigPnd:\t${hex(0n)}`,
    `ShdPnd:\t${hex(sig.pending)}`,
    `SigBlk:\t${hex(sig.blocked)}`,
    `SigIgn:\t${hex(sig.ignored)}`,
    `SigCgt:\t${hex(sig.caught)}`,
    `CapInh:\t${hex(0n)}`,
    `CapPrm:\t${caps}`,
    `CapEff:\t${caps}`,
    `CapBnd:\t${caps}`,
    `Seccomp:\t0`,
    `voluntary_ctxt_switches:\t0`,
    `nonvoluntary_ctxt_switches:\t0`,
    "",
  );
  return lines.join("\n");
}

/** A node that re-opens an open file without a place (pipe, host stream) by reference. */
function aliasInode(parent: Inode, file: OpenFile): Inode {
  const st = file.handle.stat?.();
  return {
    fs: parent.fs,
    ino: st?.ino ?? 0,
    stat: () => file.handle.stat?.() ?? { ...parent.stat(), mode: 0o010600 },
    setattr: () => Errno.EPERM,
    parent: () => parent,
    reopens: true,
    open: (): FileHandle => {
      file.ref();
      const h = file.handle;
      return { ...h, release: () => file.unref() };
    },
  };
}

/** An nsfs file: what `/proc/PID/ns/X` leads to; `setns` reads `ns` from the opened fd. */
export class NsInode implements Inode {
  readonly fs: SynthFs;
  readonly ino: number;
  /** Namespace kind. */
  readonly kind: NsKind;
  /** The namespace object. */
  readonly ns: unknown;

  /**
   * An nsfs file.
   *
   * @param fs The procfs it is reached through.
   * @param kind Namespace kind.
   * @param id Namespace inode number.
   * @param ns The namespace object.
   */
  constructor(fs: SynthFs, kind: NsKind, id: number, ns: unknown) {
    this.fs = fs;
    this.kind = kind;
    this.ino = id;
    this.ns = ns;
  }

  stat(): ReturnType<Inode["stat"]> {
    const t = { sec: 0, nsec: 0 };
    return {
      dev: 4,
      ino: this.ino,
      mode: 0o100444,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      size: 0,
      blksize: 4096,
      blocks: 0,
      atime: t,
      mtime: t,
      ctime: t,
    };
  }

  setattr(): Errno {
    return Errno.EPERM;
  }

  parent(): Inode {
    return this.fs.root;
  }

  readAt(): number {
    return 0;
  }
}

/**
 * A procfs instance for the PID namespace of `viewer`.
 *
 * @param source Process data.
 * @param viewer The mounting task (its PID namespace is the one shown).
 * @returns The file system.
 * @example
 * ```ts ignore
 * const proc = createProcFs(source, task);
 * ```
 */
export function createProcFs(source: ProcSource, viewer: Task): SynthFs {
  const bootMs = Date.now() - source.uptime().seconds * 1000;
  const mountOf = (ctx: OpContext) => {
    // The proc mount the reader walked through is not known here; any mount of this fs
    // in the reader's namespace serves for magic targets.
    const rfs = fsOf(ctx.task);
    return rfs?.mountNs.list().find((m) => m.fs === fs);
  };
  const readerRoot = (ctx: OpContext) => fsOf(ctx.task)?.root;
  const place = (ctx: OpContext, loc: Loc | undefined): MagicTarget | undefined => {
    const root = readerRoot(ctx);
    if (!loc || !root || !isBeneath(loc, root)) return undefined;
    return loc;
  };
  const text = (ctx: OpContext, loc: Loc | undefined): string => {
    const root = readerRoot(ctx);
    return loc && root ? pathOf(loc, root) : "/";
  };
  const file = (read: (ctx: OpContext) => string | Errno, mode?: number): SynthEntry => ({
    kind: "file",
    read,
    mode,
  });

  const fdDir = (pid: number, uid: number): SynthEntry => ({
    kind: "dir",
    mode: 0o500,
    uid,
    gid: uid,
    dir: () => ({
      list: () => (source.info(viewer, pid)?.fs?.fds.fds() ?? []).map(String),
      get: (name) => {
        const fds = source.info(viewer, pid)?.fs?.fds;
        const f = /^\d+$/.test(name) ? fds?.get(Number(name)) : undefined;
        if (!f) return undefined;
        return {
          kind: "link",
          mode: 0o700,
          uid,
          gid: uid,
          target: (ctx) => {
            const root = readerRoot(ctx);
            if (!root || !f.loc) return f.path;
            if (f.where) {
              const dir = pathOf(f.where.dir, root);
              return dir === "/" ? `/${f.where.name}` : `${dir}/${f.where.name}`;
            }
            return pathOf(f.loc, root);
          },
          magic: (ctx) => {
            if (f.loc) return place(ctx, f.loc);
            const m = mountOf(ctx);
            return m ? { mount: m, inode: aliasInode(fs.root, f) } : undefined;
          },
        };
      },
    }),
  });

  const nsDir = (pid: number): SynthEntry => ({
    kind: "dir",
    mode: 0o511,
    dir: () => ({
      list: () => NS_KINDS.filter((k) => source.info(viewer, pid)?.ns[k]),
      get: (name) => {
        const ref = source.info(viewer, pid)?.ns[name as NsKind];
        if (!ref) return undefined;
        const kind = name === "pid_for_children" ? "pid" : name;
        const node = new NsInode(fs, name as NsKind, ref.id, ref.ns);
        return {
          kind: "link",
          target: () => `${kind}:[${ref.id}]`,
          magic: (ctx) => {
            const m = mountOf(ctx);
            return m ? { mount: m, inode: node } : undefined;
          },
        };
      },
    }),
  });

  // User namespace id maps: the kernel reads and validates them (user_namespace.ts).
  const idMapFile = (pid: number, kind: "uid" | "gid", uid: number): SynthEntry => ({
    kind: "file",
    mode: 0o644,
    uid,
    gid: uid,
    read: (ctx) => source.idMap?.(viewer, pid, kind, ctx.task ?? viewer) ?? "",
    write: (text, ctx) =>
      source.writeIdMap
        ? source.writeIdMap(viewer, pid, kind, text, ctx.task ?? viewer)
        : Errno.EPERM,
  });

  const pidDir = (pid: number): SynthDir => {
    const info = () => source.info(viewer, pid);
    const need = <T>(f: (p: ProcInfo) => T): T | Errno => {
      const p = info();
      return p ? f(p) : Errno.ESRCH;
    };
    const link = (which: "cwd" | "root"): SynthEntry => ({
      kind: "link",
      target: (ctx) => need((p) => p.fs ? text(ctx, p.fs[which]) : "/") as string | Errno,
      // Like Linux's ptrace check: only the owner (or root) jumps; others resolve the text.
      magic: (ctx) => {
        const p = info();
        if (!p || (ctx.cred.euid !== 0 && ctx.cred.euid !== p.cred.uid)) return undefined;
        return place(ctx, p.fs?.[which]);
      },
    });
    const uid = info()?.cred.uid ?? 0;
    return fixedDir({
      stat: file(() => need((p) => statLine(p))),
      status: file((ctx) =>
        need((p) => statusText(p, p.fs, source.credAs?.(ctx.task ?? viewer, p.cred) ?? p.cred))
      ),
      cmdline: file(() => need((p) => p.argv.length ? p.argv.join("\0") + "\0" : "")),
      environ: file(() => need((p) => p.env.length ? p.env.join("\0") + "\0" : ""), 0o400),
      comm: file(() => need((p) => p.comm + "\n")),
      cgroup: file(() => need((p) => `0::${p.cgroup}\n`)),
      mounts: file((ctx) =>
        need((p) => p.fs ? mountTable(p.fs, readerRoot(ctx) ?? p.fs.root, "mounts") : "")
      ),
      mountinfo: file((ctx) =>
        need((p) => p.fs ? mountTable(p.fs, readerRoot(ctx) ?? p.fs.root, "mountinfo") : "")
      ),
      cwd: link("cwd"),
      root: link("root"),
      exe: { kind: "link", target: () => need((p) => p.exe) as string | Errno },
      fd: fdDir(pid, uid),
      ns: nsDir(pid),
      ...(source.idMap
        ? { uid_map: idMapFile(pid, "uid", uid), gid_map: idMapFile(pid, "gid", uid) }
        : {}),
      task: {
        kind: "dir",
        dir: () => ({
          list: () => [String(pid)],
          get: (name) =>
            name === String(pid)
              ? { kind: "dir", uid, gid: uid, dir: () => pidDir(pid) }
              : undefined,
        }),
      },
    });
  };

  const root: SynthDir = {
    list: () => [...Object.keys(top), ...source.pids(viewer).map(String)],
    get: (name) => {
      if (Object.hasOwn(top, name)) return top[name];
      if (!/^[1-9]\d*$/.test(name)) return undefined;
      const pid = Number(name);
      const p = source.info(viewer, pid);
      if (!p) return undefined;
      return { kind: "dir", uid: p.cred.uid, gid: p.cred.gid, dir: () => pidDir(pid) };
    },
  };

  const top: Record<string, SynthEntry> = {
    self: {
      kind: "link",
      target: (ctx) => {
        const pid = ctx.task ? source.pidOf(viewer, ctx.task) : 0;
        return pid > 0 ? String(pid) : Errno.ENOENT;
      },
    },
    "thread-self": {
      kind: "link",
      target: (ctx) => {
        const pid = ctx.task ? source.pidOf(viewer, ctx.task) : 0;
        return pid > 0 ? `${pid}/task/${pid}` : Errno.ENOENT;
      },
    },
    meminfo: file((ctx) => {
      const l = source.limits(ctx.task ?? viewer);
      const free = Math.max(0, l.memTotal - l.memUsed);
      return [
        `MemTotal:       ${kb(l.memTotal)}`,
        `MemFree:        ${kb(free)}`,
        `MemAvailable:   ${kb(free)}`,
        `Buffers:        ${kb(0)}`,
        `Cached:         ${kb(0)}`,
        `SwapCached:     ${kb(0)}`,
        `Active:         ${kb(l.memUsed)}`,
        `Inactive:       ${kb(0)}`,
        `SwapTotal:      ${kb(0)}`,
        `SwapFree:       ${kb(0)}`,
        `Shmem:          ${kb(0)}`,
        "",
      ].join("\n");
    }),
    cpuinfo: file((ctx) => {
      const n = source.limits(ctx.task ?? viewer).cpus;
      let out = "";
      for (let i = 0; i < n; i++) {
        out += `processor\t: ${i}\nvendor_id\t: Berth\nmodel name\t: Berth virtual CPU\n` +
          `cpu MHz\t\t: 1000.000\ncache size\t: 0 KB\nphysical id\t: 0\nsiblings\t: ${n}\n` +
          `core id\t\t: ${i}\ncpu cores\t: ${n}\nflags\t\t:\nbogomips\t: 2000.00\n\n`;
      }
      return out;
    }),
    loadavg: file((ctx) => {
      const l = source.loadavg(ctx.task ?? viewer);
      return `${l.avg.map((x) => x.toFixed(2)).join(" ")} ${l.running}/${l.total} ${l.lastPid}\n`;
    }),
    uptime: file(() => {
      const u = source.uptime();
      return `${u.seconds.toFixed(2)} ${u.idle.toFixed(2)}\n`;
    }),
    stat: file((ctx) => {
      const t = source.cpuTimes(ctx.task ?? viewer);
      const n = source.limits(ctx.task ?? viewer).cpus;
      const ticks = (us: number) => Math.floor((us / 1e6) * HZ);
      const line = (name: string, d: number) =>
        `${name} ${ticks(t.user / d)} 0 ${ticks(t.system / d)} ${ticks(t.idle / d)} 0 0 0 0 0 0\n`;
      let out = line("cpu ", 1);
      for (let i = 0; i < n; i++) out += line(`cpu${i}`, n);
      const l = source.loadavg(viewer);
      return out +
        `ctxt 0\nbtime ${Math.floor(bootMs / 1000)}\nprocesses ${l.lastPid}\n` +
        `procs_running ${l.running}\nprocs_blocked 0\n`;
    }),
    mounts: {
      kind: "link",
      target: () => "self/mounts",
    },
    sys: {
      kind: "dir",
      dir: () =>
        fixedDir({
          kernel: {
            kind: "dir",
            dir: () =>
              fixedDir({
                hostname: file((ctx) => `${source.hostname?.(ctx.task ?? viewer) ?? "berth"}\n`),
                ostype: file(() => "Linux\n"),
                osrelease: file(() => `${source.release()}\n`),
                pid_max: file(() => "4194304\n"),
                ngroups_max: file(() => "65536\n"),
                ...ipcSysctlEntries("kernel", viewer),
              }),
          },
          fs: {
            kind: "dir",
            dir: () =>
              fixedDir({
                "pipe-max-size": file(() => `${PIPE_MAX_SIZE}\n`),
                "file-max": file(() => "9223372036854775807\n"),
                "nr_open": file(() => "1048576\n"),
                mqueue: { kind: "dir", dir: () => fixedDir(ipcSysctlEntries("fs/mqueue", viewer)) },
              }),
          },
          vm: {
            kind: "dir",
            dir: () => fixedDir({ overcommit_memory: file(() => "0\n") }),
          },
        }),
    },
    sysvipc: { kind: "dir", dir: () => fixedDir(sysvipcEntries(viewer)) },
    locks: file((ctx) => procLocksText((t) => source.pidOf(ctx.task ?? viewer, t))),
    filesystems: file(() =>
      FILESYSTEMS.map((f) => (f === "overlay" ? "nodev\toverlay" : `nodev\t${f}`)).join("\n") +
      "\n"
    ),
    version: file(() =>
      `Linux version ${source.release()} (berth@berth) (deno) #1 SMP ${
        new Date(bootMs).toUTCString()
      }\n`
    ),
  };

  const fs = new SynthFs("proc", PROC_MAGIC, root, { mode: 0o555 });
  return fs;
}

/**
 * The "proc" file-system type for `MountNamespace.fsTypes`.
 *
 * @param source Process data (implemented by the kernel).
 * @returns A factory: `mount("proc", "/proc", "proc", 0, "")` shows the mounter's PID
 *   namespace.
 * @example
 * ```ts ignore
 * fsTypes.set("proc", procFsType(kernelProcSource));
 * ```
 */
export function procFsType(source: ProcSource): FsFactory {
  return (task) => createProcFs(source, task);
}
