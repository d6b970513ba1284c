/**
 * devpts, the file system of pseudo-terminal slaves (`/dev/pts`), one instance per mount
 * as Linux's `newinstance` (Docker mounts one per container): `ptmx` (5:2, `ptmxmode=`,
 * default 0666) makes a new {@link Pty} pair and opens its master; `N` (136:N, `mode=`
 * default 0620, owner the master's opener, `gid=` when given) is the slave of pair N, from
 * the moment the master is opened until both sides are closed. Numbers start at 0 in every
 * instance and the lowest free one is taken. devfs's `/dev/ptmx` is a link to `pts/ptmx`,
 * as runc makes it.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Stat, StatFs } from "../../syscalls/api.ts";
import {
  allocDev,
  type AttrChange,
  type DirEntry,
  type FileHandle,
  type FileSystem,
  type Inode,
  type OpContext,
  pseudoStatFs,
} from "../../vfs/types.ts";
import { makedev } from "../devfs/devices.ts";
import { type JobControl, Pty, ptyDevNumber } from "./pty.ts";

/** `DEVPTS_SUPER_MAGIC`. */
export const DEVPTS_MAGIC = 0x1cd1;
/** Major number of pty slaves (Linux's `UNIX98_PTY_SLAVE_MAJOR`). */
export const PTS_MAJOR = 136;
/** Most pairs one instance holds (`max=`, Linux's default is 4096 across instances). */
export const PTY_MAX = 1024;

/** Mount options of devpts. */
export interface DevptsOptions {
  /** Group of new slave nodes (`gid=`); default the opener's. */
  gid?: number;
  /** Mode of new slave nodes (`mode=`), default 0620. */
  mode?: number;
  /** Mode of `ptmx` (`ptmxmode=`), default 0666. */
  ptmxMode?: number;
  /** Most pairs (`max=`). */
  max?: number;
}

/**
 * Parse devpts mount data (`gid=5,mode=620,ptmxmode=666,max=N,newinstance`).
 *
 * @param data Comma-separated options.
 * @returns The options, or `EINVAL`.
 * @example
 * ```ts
 * import { parseDevptsOptions } from "./devpts.ts";
 * console.assert((parseDevptsOptions("gid=5,mode=620") as { gid: number }).gid === 5);
 * ```
 */
export function parseDevptsOptions(data: string): DevptsOptions | Errno {
  const o: DevptsOptions = {};
  for (const part of data.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [k, v = ""] = part.split("=", 2) as [string, string?];
    const oct = /^[0-7]{1,4}$/.test(v) ? parseInt(v, 8) : NaN;
    const dec = /^\d+$/.test(v) ? Number(v) : NaN;
    if (k === "gid" && !isNaN(dec)) o.gid = dec;
    else if (k === "mode" && !isNaN(oct)) o.mode = oct & 0o777;
    else if (k === "ptmxmode" && !isNaN(oct)) o.ptmxMode = oct & 0o777;
    else if (k === "max" && !isNaN(dec)) o.max = dec;
    else if (k === "newinstance" || k === "uid" || k === "nosuid" || k === "noexec") continue;
    else return Errno.EINVAL;
  }
  return o;
}

const now = () => {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
};

abstract class PtsNode implements Inode {
  readonly fs: DevptsFs;
  readonly ino: number;
  mode: number;
  uid: number;
  gid: number;
  readonly #born = now();

  constructor(fs: DevptsFs, ino: number, mode: number, uid: number, gid: number) {
    this.fs = fs;
    this.ino = ino;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
  }

  abstract get rdev(): number;

  stat(): Stat {
    return {
      dev: this.fs.dev,
      ino: this.ino,
      mode: this.mode,
      nlink: (this.mode & 0o170000) === 0o040000 ? 2 : 1,
      uid: this.uid,
      gid: this.gid,
      rdev: this.rdev,
      size: 0,
      blksize: 1024,
      blocks: 0,
      atime: this.#born,
      mtime: this.#born,
      ctime: this.#born,
    };
  }

  perm(): { mode: number; uid: number; gid: number } {
    return { mode: this.mode, uid: this.uid, gid: this.gid };
  }

  setattr(change: AttrChange, ctx: OpContext): 0 | Errno {
    if (change.size !== undefined) return Errno.EINVAL;
    const cred = ctx.cred;
    if (cred.euid !== 0 && cred.euid !== this.uid) return Errno.EPERM;
    if (change.uid !== undefined && change.uid !== this.uid && cred.euid !== 0) return Errno.EPERM;
    if (change.mode !== undefined) this.mode = (this.mode & 0o170000) | (change.mode & 0o7777);
    if (change.uid !== undefined) this.uid = change.uid;
    if (change.gid !== undefined) this.gid = change.gid;
    return 0;
  }
}

class PtmxNode extends PtsNode {
  get rdev(): number {
    return makedev(5, 2);
  }

  open(_flags: number, ctx: OpContext): FileHandle | Errno {
    return this.fs.newPair(ctx);
  }
}

class SlaveNode extends PtsNode {
  readonly pty: Pty;

  constructor(fs: DevptsFs, pty: Pty, mode: number) {
    super(fs, pty.index + 3, 0o020000 | mode, pty.uid, pty.gid);
    this.pty = pty;
  }

  get rdev(): number {
    return ptyDevNumber(this.pty.index);
  }

  open(flags: number, ctx: OpContext): FileHandle | Errno {
    if (this.fs.slave(this.pty.index) !== this) return Errno.EIO;
    return this.pty.openSlave(flags, ctx);
  }
}

class PtsRoot extends PtsNode {
  get rdev(): number {
    return 0;
  }

  parent(): Inode {
    return this;
  }

  lookup(name: string): Inode | Errno {
    if (name === "ptmx") return this.fs.ptmx;
    if (!/^(0|[1-9]\d*)$/.test(name)) return Errno.ENOENT;
    return this.fs.slave(Number(name)) ?? Errno.ENOENT;
  }

  readdir(): DirEntry[] {
    const out: DirEntry[] = [{ name: "ptmx", ino: this.fs.ptmx.ino, type: 2 }];
    for (const s of this.fs.slaves()) out.push({ name: String(s.pty.index), ino: s.ino, type: 2 });
    return out;
  }

  create(): Errno {
    return Errno.EACCES;
  }

  unlink(): Errno {
    return Errno.EPERM;
  }
}

/** One devpts instance. */
export class DevptsFs implements FileSystem {
  /** "devpts". */
  readonly type = "devpts";
  /** Device number of this instance. */
  readonly dev: number = allocDev();
  /** The directory. */
  readonly root: Inode;
  /** The `ptmx` node. */
  readonly ptmx: Inode;
  readonly #jobs: JobControl;
  readonly #opts: DevptsOptions;
  readonly #slaves = new Map<number, SlaveNode>();

  /**
   * A fresh instance with no pairs.
   *
   * @param jobs Sessions and signals for the terminals' job control.
   * @param opts Mount options.
   * @example
   * ```ts ignore
   * const pts = new DevptsFs(processJobControl, { gid: 5, mode: 0o620 });
   * ```
   */
  constructor(jobs: JobControl, opts: DevptsOptions = {}) {
    this.#jobs = jobs;
    this.#opts = opts;
    this.root = new PtsRoot(this, 1, 0o040755, 0, 0);
    this.ptmx = new PtmxNode(this, 2, 0o020000 | (opts.ptmxMode ?? 0o666), 0, 0);
  }

  /**
   * Open `ptmx`: a new pair with the lowest free number, its master open.
   *
   * @param ctx The opener (owner of the slave node).
   * @returns The master's handle, or `ENOSPC` when `max=` pairs exist.
   */
  newPair(ctx: OpContext): FileHandle | Errno {
    let n = 0;
    while (this.#slaves.has(n)) n++;
    if (n >= (this.#opts.max ?? PTY_MAX)) return Errno.ENOSPC;
    const owner = { uid: ctx.cred.euid, gid: this.#opts.gid ?? ctx.cred.egid };
    const pty = new Pty(n, owner, this.#jobs, () => {
      if (this.#slaves.get(n)?.pty === pty) this.#slaves.delete(n);
    });
    this.#slaves.set(n, new SlaveNode(this, pty, this.#opts.mode ?? 0o620));
    return pty.master();
  }

  /**
   * The slave node of pair `n`.
   *
   * @param n Pair number.
   * @returns The node, or undefined when no such pair exists.
   */
  slave(n: number): SlaveNode | undefined {
    return this.#slaves.get(n);
  }

  /** Slave nodes, by number. */
  slaves(): SlaveNode[] {
    return [...this.#slaves.values()].sort((a, b) => a.pty.index - b.pty.index);
  }

  /**
   * Options as `/proc/mounts` shows them.
   *
   * @returns E.g. `gid=5,mode=620,ptmxmode=666`.
   */
  options(): string {
    const o = this.#opts;
    const parts = [];
    if (o.gid !== undefined) parts.push(`gid=${o.gid}`);
    parts.push(`mode=${(o.mode ?? 0o620).toString(8)}`);
    parts.push(`ptmxmode=${(o.ptmxMode ?? 0o666).toString(8).padStart(3, "0")}`);
    return parts.join(",");
  }

  /**
   * `statfs`.
   *
   * @returns devpts figures.
   */
  statfs(): StatFs {
    return pseudoStatFs(DEVPTS_MAGIC);
  }
}
