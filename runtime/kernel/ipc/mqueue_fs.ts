/**
 * The `mqueue` file system (Linux's mqueuefs, mounted at `/dev/mqueue`): one directory
 * listing the POSIX message queues of the mounting task's IPC namespace. Reading a queue
 * file gives its `QSIZE:` line; `open` gives a queue descriptor (usable with `mq_*`);
 * `unlink` is `mq_unlink`; creating a file creates a queue with the default attributes.
 *
 * Register it with the kernel's file-system types as `"mqueue"` ({@link mqueueFsType}).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { O, S_IFDIR, type Stat, type StatFs } from "../syscalls/api.ts";
import type { Task } from "../task.ts";
import {
  allocDev,
  type AttrChange,
  type DirEntry,
  type FileHandle,
  type FileSystem,
  type Inode,
  type NodeKind,
  type OpContext,
  pseudoStatFs,
} from "../vfs/types.ts";
import type { FsFactory } from "../vfs/mount.ts";
import { IpcNamespace } from "./ipc_namespace.ts";
import { IpcPerm } from "./ipc_perm.ts";
import { MqHandle, Mqueue } from "./mqueue.ts";

/** `statfs` magic of mqueuefs. */
export const MQUEUE_MAGIC = 0x19800202;
const QUEUE_OVERHEAD = 256;

/** A queue as a file. */
class MqFileNode implements Inode {
  constructor(readonly fs: MqueueFs, readonly ino: number, readonly mq: Mqueue) {}

  stat(): Stat {
    return this.mq.stat(this.ino);
  }

  setattr(change: AttrChange, ctx: OpContext): 0 | Errno {
    const p = this.mq.perm;
    if (change.mode !== undefined || change.uid !== undefined || change.gid !== undefined) {
      if (!p.mayControl(ctx.cred)) return Errno.EPERM;
      if (change.mode !== undefined) p.mode = change.mode & 0o777;
      if (change.uid !== undefined && change.uid >= 0) p.uid = change.uid;
      if (change.gid !== undefined && change.gid >= 0) p.gid = change.gid;
    }
    return 0;
  }

  open(flags: number, ctx: OpContext): FileHandle | Errno {
    const acc = flags & O.ACCMODE;
    const need = acc === O.RDONLY ? 4 : acc === O.WRONLY ? 2 : 6;
    if (!this.mq.perm.allows(ctx.cred, need)) return Errno.EACCES;
    return new MqHandle(this.mq, this.fs.ns, flags & (O.ACCMODE | O.NONBLOCK));
  }
}

/** The root directory. */
class MqDirNode implements Inode {
  readonly ino = 1;
  readonly #nodes = new WeakMap<Mqueue, MqFileNode>();
  #nextIno = 2;

  constructor(readonly fs: MqueueFs) {}

  stat(): Stat {
    const t = { sec: Math.floor(this.fs.mountedAt / 1000), nsec: 0 };
    return {
      dev: this.fs.dev,
      ino: this.ino,
      mode: S_IFDIR | 0o1777,
      nlink: 2,
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

  setattr(): 0 | Errno {
    return Errno.EPERM;
  }

  parent(): Inode {
    return this;
  }

  #node(mq: Mqueue): MqFileNode {
    let n = this.#nodes.get(mq);
    if (!n) this.#nodes.set(mq, n = new MqFileNode(this.fs, this.#nextIno++, mq));
    return n;
  }

  lookup(name: string): Inode | Errno {
    const mq = this.fs.ns.mq.get(`/${name}`);
    return mq ? this.#node(mq) : Errno.ENOENT;
  }

  readdir(): DirEntry[] | Errno {
    return [...this.fs.ns.mq.values()].map((mq) => ({
      name: mq.name.slice(1),
      ino: this.#node(mq).ino,
      type: 8,
    }));
  }

  create(name: string, kind: NodeKind, mode: number, ctx: OpContext): Inode | Errno {
    if (kind !== "file") return Errno.EPERM;
    const ns = this.fs.ns;
    const task = ctx.task as Task | undefined;
    if (!task) return Errno.EPERM;
    if (name.length > 255) return Errno.ENAMETOOLONG;
    if (ns.mq.size >= ns.limits.mqQueuesMax && ctx.cred.euid !== 0) return Errno.ENOSPC;
    if (!task.memory.tryCharge(QUEUE_OVERHEAD, "ipc")) return Errno.ENOMEM;
    const mq = new Mqueue(
      `/${name}`,
      new IpcPerm(0, ctx.cred, mode, task.memory),
      Math.min(ns.limits.mqMsgDefault, ns.limits.mqMsgMax),
      Math.min(ns.limits.mqMsgsizeDefault, ns.limits.mqMsgsizeMax),
    );
    ns.mq.set(mq.name, mq);
    return this.#node(mq);
  }

  unlink(name: string, dir: boolean, ctx: OpContext): 0 | Errno {
    const mq = this.fs.ns.mq.get(`/${name}`);
    if (!mq) return Errno.ENOENT;
    if (dir) return Errno.ENOTDIR;
    // The directory is sticky: only the owner (or root) removes a queue.
    if (!mq.perm.mayControl(ctx.cred)) return Errno.EPERM;
    this.fs.ns.mq.delete(mq.name);
    mq.unlinked = true;
    if (mq.opens === 0) mq.destroy();
    return 0;
  }
}

/** One mount of mqueuefs: a view of an IPC namespace's POSIX queues. */
export class MqueueFs implements FileSystem {
  readonly type = "mqueue";
  readonly dev: number = allocDev();
  readonly root: Inode;
  /** Mount time (the directory's times). */
  readonly mountedAt: number = Date.now();

  /**
   * @param ns The IPC namespace whose queues are shown.
   * @example
   * ```ts ignore
   * const fs = new MqueueFs(task.ipc as IpcNamespace);
   * ```
   */
  constructor(readonly ns: IpcNamespace) {
    this.root = new MqDirNode(this);
  }

  /** Options as `/proc/mounts` shows them. */
  options(): string {
    return "rw,nosuid,nodev,noexec,relatime";
  }

  /** `statfs` figures. */
  statfs(): StatFs {
    return pseudoStatFs(MQUEUE_MAGIC);
  }
}

/**
 * The `mqueue` file-system type: mounts show the mounting task's IPC namespace, as on Linux.
 *
 * @example
 * ```ts ignore
 * kernel.fsTypes.set("mqueue", mqueueFsType);
 * ```
 */
export const mqueueFsType: FsFactory = (task) =>
  task.ipc instanceof IpcNamespace ? new MqueueFs(task.ipc) : Errno.EINVAL;
