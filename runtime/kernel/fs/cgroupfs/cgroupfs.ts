/**
 * cgroupfs (cgroup v2) at `/sys/fs/cgroup`: a container sees its own cgroup as the root
 * (cgroup namespace), its descendants as directories, and the interface files of each
 * (`cpu.max`, `memory.current`, `cgroup.procs`, …) with the kernel's content and syntax.
 * mkdir/rmdir create and remove child cgroups.
 *
 * Delegation (as a runtime delegating a subtree on Linux): in the container's root cgroup
 * only `cgroup.procs` and `cgroup.subtree_control` are writable; its limit files
 * (`cpu.max`, `cpu.weight`, `memory.max`, `memory.high`, `pids.max`, `cgroup.freeze`) are
 * read-only (`EACCES`), so a container can never raise its own limits. Child cgroups it
 * creates are its own to configure, and their limits only ever narrow the root's (the
 * kernel charges every ancestor).
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Task } from "../../task.ts";
import type { FsFactory } from "../../vfs/mount.ts";
import type { SynthDir, SynthEntry } from "../synthetic/synthetic.ts";
import { SynthFs } from "../synthetic/synthetic.ts";

/** `CGROUP2_SUPER_MAGIC`. */
const CGROUP2_MAGIC = 0x63677270;

/** The cgroup tree as cgroupfs uses it (the kernel's `CgroupTree` has this shape). */
export interface CgroupSource {
  /** Interface file names of a cgroup, or `ENOENT`. */
  files(path: string): string[] | Errno;
  /** Content of an interface file; `viewer` is the reader's PID namespace. */
  readFile(path: string, name: string, viewer?: never): string | Errno;
  /** Write an interface file; `writer` is the writer's PID namespace. */
  writeFile(path: string, name: string, value: string, writer?: never): 0 | Errno;
  /** Create a cgroup (mkdir). */
  create(path: string): unknown;
  /** Remove an empty cgroup (rmdir). */
  remove(path: string): 0 | Errno;
  /** Every cgroup path, parents first. */
  list(): string[];
}

/** Where a mounting task's cgroup namespace is rooted, and its PID namespace. */
export interface CgroupView {
  /** Path of the namespace root in the global tree ("/berth/web"). */
  root: string;
  /** The PID namespace pids in `cgroup.procs` are read and written in. */
  pidNs: unknown;
}

/** Files a delegated root cgroup keeps writable. */
const ROOT_WRITABLE = new Set(["cgroup.procs", "cgroup.subtree_control"]);
/** Files that are never writable. */
const READ_ONLY = new Set([
  "cgroup.controllers",
  "cgroup.events",
  "cgroup.type",
  "cpu.stat",
  "memory.current",
  "memory.peak",
  "memory.events",
  "memory.stat",
  "pids.current",
  "pids.events",
]);

/**
 * A cgroupfs showing the subtree at `view.root`.
 *
 * @param source The cgroup tree.
 * @param view Namespace root and PID namespace.
 * @returns The file system.
 * @example
 * ```ts ignore
 * const fs = createCgroupFs(kernel.cgroups, { root: "/berth/web", pidNs });
 * ```
 */
export function createCgroupFs(source: CgroupSource, view: CgroupView): SynthFs {
  const real = (p: string) => (p === "/" ? view.root : view.root === "/" ? p : view.root + p);
  const childPath = (p: string, name: string) => (p === "/" ? "/" + name : p + "/" + name);
  const pidNs = view.pidNs as never;
  const dirOf = (path: string): SynthDir => {
    const files = () => {
      const f = source.files(real(path));
      return typeof f === "number" ? [] : f;
    };
    const kids = () => {
      const base = real(path);
      const prefix = base === "/" ? "/" : base + "/";
      return source.list()
        .filter((p) => p.startsWith(prefix) && p.length > prefix.length)
        .map((p) => p.slice(prefix.length))
        .filter((rest) => !rest.includes("/"));
    };
    return {
      list: () => [...files(), ...kids()],
      get: (name): SynthEntry | undefined => {
        if (files().includes(name)) {
          const writable = !READ_ONLY.has(name) && (path !== "/" || ROOT_WRITABLE.has(name));
          return {
            kind: "file",
            mode: writable ? 0o644 : 0o444,
            read: () => source.readFile(real(path), name, pidNs),
            write: writable ? (text) => source.writeFile(real(path), name, text, pidNs) : undefined,
          };
        }
        if (kids().includes(name)) {
          return { kind: "dir", mode: 0o755, dir: () => dirOf(childPath(path, name)) };
        }
        return undefined;
      },
      mkdir: (name) => {
        if (name.includes("\n")) return Errno.EINVAL;
        const r = source.create(real(childPath(path, name)));
        return typeof r === "number" && r < 0 ? r as Errno : 0;
      },
      rmdir: (name) => source.remove(real(childPath(path, name))),
    };
  };
  return new SynthFs("cgroup2", CGROUP2_MAGIC, dirOf("/"), { mode: 0o755 });
}

/**
 * The "cgroup2" file-system type for `MountNamespace.fsTypes`.
 *
 * @param source The kernel's cgroup tree.
 * @param viewOf The cgroup namespace root and PID namespace of a mounting task.
 * @returns A factory.
 * @example
 * ```ts ignore
 * fsTypes.set("cgroup2", cgroupFsType(kernel.cgroups, (t) => ({ root: cgPathOf(t), pidNs: pidNsOf(t) })));
 * ```
 */
export function cgroupFsType(
  source: CgroupSource,
  viewOf: (task: Task) => CgroupView,
): FsFactory {
  return (task) => createCgroupFs(source, viewOf(task));
}
