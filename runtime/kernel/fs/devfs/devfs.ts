/**
 * devfs for `/dev`: a tmpfs holding the standard device nodes (`null zero full random
 * urandom tty console`), the links `stdin stdout stderr fd` into `/proc/self/fd`, and
 * `shm/` (sticky, world-writable; its data is charged like any tmpfs data), and the
 * `pts/` directory with `ptmx` a link to `pts/ptmx`, as runc makes them: mount a devpts
 * instance on `/dev/pts` (containers get one) and `/dev/ptmx` makes pseudo-terminal pairs;
 * without it, opening `/dev/ptmx` fails with `ENOENT`.
 *
 * `/dev/tty` opens the caller's controlling terminal (a devpts slave: `run -t` gives the
 * container's init `/dev/pts/0`), else `ENXIO`, as for a process without one; `/dev/console`
 * is `ENXIO` (no system console).
 *
 * @module
 */
import type { MemoryCharger } from "../../task.ts";
import { TmpFs, type TmpNode } from "../tmpfs/tmpfs.ts";
import { DEV } from "./devices.ts";

/** Options of {@link createDevfs}. */
export interface DevfsOptions {
  /** Charger for `shm` data. */
  memory: MemoryCharger;
  /** `size=` of the whole devfs (bounds `/dev/shm`), default 64 MiB as Docker's shm. */
  sizeLimit?: number;
}

const ROOT = { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] };

/**
 * A populated devfs.
 *
 * @param opts Charger and size.
 * @returns The file system (mount it at `/dev`).
 * @example
 * ```ts ignore
 * const dev = createDevfs({ memory: task.memory });
 * ```
 */
export function createDevfs(opts: DevfsOptions): TmpFs {
  const fs = new TmpFs({
    memory: opts.memory,
    sizeLimit: opts.sizeLimit ?? 64 << 20,
    rootMode: 0o755,
    type: "devtmpfs",
  });
  const root = fs.root;
  const ctx = { cred: ROOT };
  const node = (name: string, rdev: number, mode = 0o666) =>
    root.create(name, "char", mode, ctx, { rdev }) as TmpNode;
  node("null", DEV.NULL);
  node("zero", DEV.ZERO);
  node("full", DEV.FULL);
  node("random", DEV.RANDOM);
  node("urandom", DEV.URANDOM);
  node("tty", DEV.TTY);
  node("console", DEV.CONSOLE, 0o600);
  root.create("stdin", "symlink", 0o777, ctx, { target: "/proc/self/fd/0" });
  root.create("stdout", "symlink", 0o777, ctx, { target: "/proc/self/fd/1" });
  root.create("stderr", "symlink", 0o777, ctx, { target: "/proc/self/fd/2" });
  root.create("fd", "symlink", 0o777, ctx, { target: "/proc/self/fd" });
  root.create("shm", "dir", 0o1777, ctx);
  root.create("pts", "dir", 0o755, ctx);
  root.create("ptmx", "symlink", 0o777, ctx, { target: "pts/ptmx" });
  root.create("mqueue", "dir", 0o1777, ctx);
  return fs;
}
