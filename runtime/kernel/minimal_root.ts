/**
 * A minimal root file system for running builtin programs without an image: a tmpfs with
 * `/bin/berthbox` (the multi-call stub), `/bin/<applet>` symlinks to it for every builtin
 * of the kernel, `/tmp`, `/etc/hostname`, `/etc/passwd`, `/etc/group`, and any extra
 * files given. Tests and embedders use it; containers use image roots instead.
 *
 * @module
 */
import { memoryChargerOf } from "./cgroup.ts";
import { BERTHBOX_MAGIC } from "./executor.ts";
import type { Kernel } from "./kernel.ts";
import type { ProcessFs } from "./process_fs.ts";
import { TmpFs } from "./fs/tmpfs/tmpfs.ts";
import { FsState } from "./vfs/fs_state.ts";
import { Mount, MountNamespace } from "./vfs/mount.ts";
import type { Inode, OpContext } from "./vfs/types.ts";

/** Options of {@link minimalRoot}. */
export interface MinimalRootOptions {
  /** Extra regular files: path → content (parents created). */
  files?: Record<string, string | Uint8Array>;
  /** Mode of the extra files (default 0o755). */
  fileMode?: number;
}

const ROOT_CTX: OpContext = { cred: { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] } };

function ensureDir(root: Inode, parts: string[]): Inode {
  let dir = root;
  for (const part of parts) {
    const found = dir.lookup?.(part);
    if (found && typeof found !== "number") {
      dir = found;
      continue;
    }
    const made = dir.create?.(part, "dir", 0o755, ROOT_CTX);
    if (!made || typeof made === "number") throw new Error(`minimalRoot: cannot create ${part}`);
    dir = made;
  }
  return dir;
}

function writeFile(root: Inode, path: string, data: Uint8Array, mode: number): void {
  const parts = path.split("/").filter((s) => s !== "");
  const name = parts.pop();
  if (!name) throw new Error(`minimalRoot: bad path ${path}`);
  const dir = ensureDir(root, parts);
  const f = dir.create?.(name, "file", mode, ROOT_CTX);
  if (!f || typeof f === "number") throw new Error(`minimalRoot: cannot create ${path}`);
  if (data.length > 0) f.writeAt?.(data, 0);
}

/**
 * A fresh mount namespace whose root is a tmpfs holding the builtins of `kernel` as
 * berthbox links, and an `FsState` (root = cwd = "/") for a process in it. Pass it as
 * `fs` to `kernel.spawn`.
 *
 * @param kernel The kernel (its builtin names; file data is charged to its root cgroup).
 * @param opts Extra files.
 * @returns The file-system state (a VFS `FsState`).
 * @example
 * ```ts ignore
 * const h = await kernel.spawn({ argv: ["sh", "-c", "echo hi"], fs: minimalRoot(kernel) });
 * ```
 */
export function minimalRoot(kernel: Kernel, opts: MinimalRootOptions = {}): ProcessFs {
  const fs = new TmpFs({ memory: memoryChargerOf(kernel.cgroups.root) });
  const root = fs.root;
  const enc = new TextEncoder();
  const stub = new Uint8Array([...BERTHBOX_MAGIC, ...enc.encode("\n")]);
  writeFile(root, "/bin/berthbox", stub, 0o755);
  const bin = ensureDir(root, ["bin"]);
  for (const name of kernel.builtinNames()) {
    if (name === "berthbox" || name.includes("/")) continue;
    bin.create?.(name, "symlink", 0o777, ROOT_CTX, { target: "berthbox" });
  }
  ensureDir(root, ["usr", "bin"]);
  ensureDir(root, ["root"]);
  ensureDir(root, ["dev"]);
  ensureDir(root, ["proc"]);
  const tmp = ensureDir(root, ["tmp"]);
  tmp.setattr({ mode: 0o1777 }, ROOT_CTX);
  writeFile(root, "/etc/hostname", enc.encode("berth\n"), 0o644);
  writeFile(
    root,
    "/etc/passwd",
    enc.encode("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"),
    0o644,
  );
  writeFile(root, "/etc/group", enc.encode("root:x:0:\nnogroup:x:65534:\n"), 0o644);
  for (const [path, content] of Object.entries(opts.files ?? {})) {
    writeFile(
      root,
      path,
      typeof content === "string" ? enc.encode(content) : content,
      opts.fileMode ?? 0o755,
    );
  }
  const ns = new MountNamespace(new Mount(fs, root, 0, "tmpfs"), kernel.fsTypes);
  return new FsState(ns);
}
