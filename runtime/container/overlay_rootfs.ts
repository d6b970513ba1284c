/**
 * Container root file systems on the kernel's overlay: the image's indexed layers as
 * the lower view, an in-memory upper tree, `/dev` (devfs) and `/dev/shm` and `--tmpfs`
 * mounts; the upper tree saved as `upper.tar` when the container stops (and replayed
 * when it starts again, even after a daemon restart); and the file-system operations
 * of `diff`, `commit`, `export` and `cp`.
 *
 * @module
 */
import { type Digest, mergeLayers, openLayer, type Store, TarIndexer } from "../../image/mod.ts";
import type { LayerEntry, OpenLayer } from "../../image/mod.ts";
import { joinDev, type LayerChange, layerTar } from "../../image/layer/layer_writer.ts";
import { OverlayFs } from "../kernel/fs/overlay/overlay.ts";
import {
  CHANGE_KIND_NUMBER,
  overlayChanges,
  overlayDiffTar,
} from "../kernel/fs/overlay/overlay_diff.ts";
import { createDevfs } from "../kernel/fs/devfs/devfs.ts";
import { BindFs } from "../kernel/fs/bind/bind.ts";
import { TmpFs } from "../kernel/fs/tmpfs/tmpfs.ts";
import { defaultFsTypes } from "../kernel/syscalls/sys_mount.ts";
import { FsState } from "../kernel/vfs/fs_state.ts";
import { Mount, MountNamespace } from "../kernel/vfs/mount.ts";
import type { Inode, OpContext } from "../kernel/vfs/types.ts";
import type { ProcessFs } from "../kernel/process_fs.ts";
import type { MemoryCharger } from "../kernel/task.ts";
import { atomicWrite, type ContainerRecord, ZERO_TIME } from "./container_state.ts";
import type { ContainerFs, FsChange, PathStat } from "./container_runtime.ts";
import { upperTarSize, upperTreeSize } from "./container_size.ts";
import type { KernelMounts, RootfsProvider } from "./kernel_runtime.ts";
import type { FileSystem } from "../kernel/vfs/types.ts";

const ROOT: OpContext = { cred: { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] } };
const S_IFMT = 0o170000;

/** A path a container operation cannot use (404 for the API). */
export class PathNotFoundError extends Error {
  /** HTTP status. */
  readonly httpStatus = 404;
  /**
   * Create it.
   *
   * @param path The path.
   */
  constructor(readonly path: string) {
    super(`Could not find the file ${path} in container`);
    this.name = "PathNotFoundError";
  }
}

function lookupPath(root: Inode, path: string): Inode | undefined {
  let node = root;
  for (const part of path.split("/").filter((p) => p !== "" && p !== ".")) {
    if (part === "..") {
      node = node.parent?.() ?? node;
      continue;
    }
    const next = node.lookup?.(part);
    if (!next || typeof next === "number") return undefined;
    node = next;
  }
  return node;
}

function ensureDir(root: Inode, path: string, mode = 0o755): Inode {
  let node = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    const next = node.lookup?.(part);
    if (next && typeof next !== "number") {
      node = next;
      continue;
    }
    const made = node.create?.(part, "dir", mode, ROOT);
    if (!made || typeof made === "number") {
      throw new Error(`cannot create directory ${path} in the container`);
    }
    node = made;
  }
  return node;
}

/** Whether a bind source is an existing host file (not a directory; symlinks followed). */
function isHostFile(source: string): boolean {
  try {
    return !Deno.statSync(source).isDirectory;
  } catch {
    return false; // absent: -v creates a directory
  }
}

/**
 * The regular file a single-file bind covers (created empty when missing, as runc does);
 * Docker's error when a directory is there.
 */
function fileMountPoint(dir: Inode, name: string, source: string, dest: string): Inode {
  const have = dir.lookup?.(name);
  const node = have && typeof have !== "number" ? have : dir.create?.(name, "file", 0o644, ROOT);
  if (!node || typeof node === "number" || (node.stat().mode & S_IFMT) !== 0o100000) {
    throw Object.assign(
      new Error(
        `cannot mount ${source} at ${dest}: not a directory: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`,
      ),
      { httpStatus: 400 },
    );
  }
  return node;
}

function kindOf(mode: number): "file" | "dir" | "symlink" | "other" {
  switch (mode & S_IFMT) {
    case 0o100000:
      return "file";
    case 0o040000:
      return "dir";
    case 0o120000:
      return "symlink";
    default:
      return "other";
  }
}

function readAll(node: Inode): Uint8Array {
  const size = node.stat().size;
  const out = new Uint8Array(size);
  let off = 0;
  while (off < size) {
    const n = node.readAt?.(out.subarray(off), off);
    if (typeof n !== "number" || n <= 0) break;
    off += n;
  }
  return out.subarray(0, off);
}

/** Walk a subtree into layer changes (paths under `prefix`). */
function treeChanges(
  node: Inode,
  path: string,
  out: LayerChange[],
  skip: (p: string) => boolean,
): void {
  const st = node.stat();
  const meta = {
    path,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtimeMs: st.mtime.sec * 1000 + st.mtime.nsec / 1e6,
  };
  switch (kindOf(st.mode)) {
    case "file":
      out.push({ ...meta, type: "file", data: readAll(node) });
      return;
    case "symlink": {
      const t = node.readlink?.();
      out.push({ ...meta, type: "symlink", target: typeof t === "string" ? t : "" });
      return;
    }
    case "dir": {
      if (path !== "/") out.push({ ...meta, type: "dir" });
      const entries = node.readdir?.();
      if (!entries || typeof entries === "number") return;
      for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path === "/" ? `/${e.name}` : `${path}/${e.name}`;
        if (skip(p)) continue;
        const child = node.lookup?.(e.name);
        if (child && typeof child !== "number") treeChanges(child, p, out, skip);
      }
      return;
    }
    default:
      return; // devices, fifos, sockets are not exported
  }
}

/** Apply a tar (as an overlay change set: whiteouts delete) under `dir` of a tree. */
function applyTar(root: Inode, dir: string, tar: Uint8Array): void {
  const ix = new TarIndexer("archive");
  ix.push(tar);
  const index = ix.finish();
  const base = ensureDir(root, dir);
  const rel = (p: string) => p.replace(/^\/+/, "");
  for (const w of [...index.opaqueDirs, ...index.whiteouts]) {
    const isOpaque = index.opaqueDirs.includes(w);
    const target = lookupPath(base, rel(w));
    if (!target) continue;
    if (isOpaque) {
      const list = target.readdir?.();
      if (Array.isArray(list)) { for (const e of list) removeTree(target, e.name); }
    } else {
      const parts = rel(w).split("/");
      const name = parts.pop()!;
      const parent = lookupPath(base, parts.join("/"));
      if (parent) removeTree(parent, name);
    }
  }
  for (const e of index.entries) {
    const p = rel(e.path);
    if (p === "") continue;
    const parts = p.split("/");
    const name = parts.pop()!;
    const parent = ensureDir(base, parts.join("/"));
    writeEntry(parent, name, e, tar, base);
  }
}

function removeTree(dir: Inode, name: string): void {
  const node = dir.lookup?.(name);
  if (!node || typeof node === "number") return;
  if (kindOf(node.stat().mode) === "dir") {
    const list = node.readdir?.();
    if (Array.isArray(list)) { for (const e of list) removeTree(node, e.name); }
    dir.unlink?.(name, true, ROOT);
  } else dir.unlink?.(name, false, ROOT);
}

/** An inode that keeps extended attributes (tmpfs, the overlay). */
type XattrTarget = Inode & { setxattr?(name: string, value: Uint8Array, flags: number): number };

const XATTR_TEXT = new TextEncoder();

/**
 * Write one archive entry under `parent`: files with their data, hard links as links to
 * the entry already written under `base` (an earlier entry of the same archive, as tar
 * orders them), devices and FIFOs with their numbers, and xattrs.
 */
function writeEntry(
  parent: Inode,
  name: string,
  e: LayerEntry,
  tar: Uint8Array,
  base: Inode,
): void {
  const existing = parent.lookup?.(name);
  if (existing && typeof existing !== "number") {
    const isDir = kindOf(existing.stat().mode) === "dir";
    if (isDir && e.type === "dir") {
      existing.setattr({ mode: e.mode, uid: e.uid, gid: e.gid }, ROOT);
      return;
    }
    removeTree(parent, name);
  }
  let node: Inode | number | undefined;
  switch (e.type) {
    case "dir":
      node = parent.create?.(name, "dir", e.mode, ROOT);
      break;
    case "symlink":
      node = parent.create?.(name, "symlink", 0o777, ROOT, { target: e.linkTarget ?? "" });
      break;
    case "hardlink": {
      const target = e.linkTarget ? lookupPath(base, e.linkTarget.replace(/^\/+/, "")) : null;
      if (
        target && kindOf(target.stat().mode) !== "dir" && parent.link?.(name, target, ROOT) === 0
      ) {
        return; // the same inode: its attributes are the target's
      }
      node = parent.create?.(name, "file", e.mode, ROOT);
      break;
    }
    case "file": {
      node = parent.create?.(name, "file", e.mode, ROOT);
      if (node && typeof node !== "number" && e.size > 0) {
        node.openForWrite?.(1); // O_WRONLY: the overlay copies up
        node.writeAt?.(tar.subarray(e.dataOffset, e.dataOffset + e.size), 0);
      }
      break;
    }
    case "char":
    case "block":
      node = parent.create?.(name, e.type, e.mode, ROOT, {
        rdev: joinDev(e.devMajor ?? 0, e.devMinor ?? 0),
      });
      break;
    case "fifo":
      node = parent.create?.(name, "fifo", e.mode, ROOT);
      break;
    default:
      return;
  }
  if (node && typeof node !== "number") {
    if (e.type !== "symlink") node.setattr({ uid: e.uid, gid: e.gid, mtimeMs: e.mtimeMs }, ROOT);
    const x = node as XattrTarget;
    for (const [k, v] of Object.entries(e.xattrs ?? {})) x.setxattr?.(k, XATTR_TEXT.encode(v), 0);
  }
}

/**
 * The image's layers plus, when the image lacks them, an "init layer" (as Docker's) with
 * the mount points the runtime needs (`/proc`, `/sys/fs/cgroup`, `--tmpfs` targets…), so
 * creating them never shows up in `diff` or `commit`.
 *
 * @param layers The image's layers, lowest first.
 * @param destinations Mount destinations.
 * @param fileDests Destinations of single-file binds (an empty file is their mount point).
 * @returns The merged lower view.
 */
function withInitLayer(
  layers: OpenLayer[],
  destinations: string[],
  fileDests: ReadonlySet<string> = new Set(),
): ReturnType<typeof mergeLayers> {
  const merged = mergeLayers(layers);
  const covered = (p: string) => destinations.some((d) => d !== p && p.startsWith(d + "/"));
  const missing = new Map<string, LayerEntry>();
  for (const dest of destinations) {
    if (covered(dest)) continue; // inside another mount (e.g. /dev/shm in /dev)
    const parts = dest.split("/").filter((x) => x !== "");
    for (let i = 1; i <= parts.length; i++) {
      const path = "/" + parts.slice(0, i).join("/");
      if (missing.has(path) || merged.lookup(path)) continue;
      const file = i === parts.length && fileDests.has(dest);
      missing.set(path, {
        path,
        type: file ? "file" : "dir",
        mode: file ? 0o644 : 0o755,
        uid: 0,
        gid: 0,
        size: 0,
        mtimeMs: 0,
        dataOffset: 0,
      });
    }
  }
  if (missing.size === 0) return merged;
  const init: OpenLayer = {
    diffId: "init",
    entries: missing,
    whiteouts: new Set(),
    opaqueDirs: new Set(),
    readSync: () => 0,
  };
  return mergeLayers([...layers, init]);
}

/**
 * Root file systems of containers over the image store's layers.
 *
 * @example
 * ```ts ignore
 * const rootfs = new OverlayRootfs(root, store);
 * const runtime = new KernelRuntime(kernel, rootfs);
 * ```
 */
export class OverlayRootfs implements RootfsProvider {
  readonly #root: string;
  readonly #store: Store;
  readonly #layers = new Map<string, Promise<OpenLayer>>();
  readonly #overlays = new Map<string, OverlayFs>();
  readonly #merged = new Map<string, ReturnType<typeof mergeLayers>>();
  readonly #diffIds = new Map<string, string[]>();
  readonly #late = new WeakMap<ProcessFs, ((live: MountNamespace) => void)[]>();

  /**
   * Create it.
   *
   * @param root The state root (containers/<id>/upper.tar).
   * @param store The image store.
   */
  constructor(root: string, store: Store) {
    this.#root = root;
    this.#store = store;
  }

  #dir(record: ContainerRecord): string {
    return `${this.#root}/containers/${record.Id}`;
  }

  async #overlay(record: ContainerRecord, memory?: MemoryCharger): Promise<OverlayFs> {
    const have = this.#overlays.get(record.Id);
    if (have) return have;
    // A manifest digest names immutable content: its layer list is read once.
    let diffIds = this.#diffIds.get(record.ManifestDigest);
    if (!diffIds) {
      diffIds = (await this.#store.resolve(record.ManifestDigest)).config.rootfs.diff_ids;
      this.#diffIds.set(record.ManifestDigest, diffIds);
    }
    const layers = await Promise.all(diffIds.map((d) => {
      let p = this.#layers.get(d);
      if (!p) {
        p = openLayer(this.#store.layerFiles(d as Digest));
        this.#layers.set(d, p);
      }
      return p;
    }));
    const charger: MemoryCharger = memory ?? { tryCharge: () => true, uncharge: () => {} };
    // The merged view is read-only: containers of one image (and mount set) share it.
    const dests = record.Spec.mounts.map((m) => m.destination);
    const fileDests = new Set(
      record.Spec.mounts.filter((m) => m.type === "bind" && isHostFile(m.source)).map((m) =>
        m.destination
      ),
    );
    const key = `${diffIds.join(",")}|${dests.join(",")}|${[...fileDests].join(",")}`;
    let lower = this.#merged.get(key);
    if (!lower) {
      lower = withInitLayer(layers, dests, fileDests);
      this.#merged.set(key, lower);
      if (this.#merged.size > 256) this.#merged.delete(this.#merged.keys().next().value!);
    }
    // Large upper files live on disk beside the container's state, not in the daemon's
    // heap: without this, a container with no memory limit grows the daemon without bound.
    const spillDir = `${this.#dir(record)}/spill`; // made at the first spill
    const ovl = new OverlayFs({ lower, memory: charger, spillDir });
    // Only a container that ran before (in an earlier daemon) can have a saved layer.
    if (record.State.StartedAt !== ZERO_TIME) {
      try {
        const saved = await Deno.readFile(`${this.#dir(record)}/upper.tar`);
        applyTar(ovl.root, "/", saved);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
    this.#overlays.set(record.Id, ovl);
    return ovl;
  }

  /**
   * The process file-system state of a container: overlay root plus its mounts.
   *
   * @param record The container.
   * @param memory The container cgroup's charger.
   * @param kernelFs The kernel's proc and cgroup2 types, and the task they show.
   * @returns An FsState rooted at the container's root.
   */
  async open(
    record: ContainerRecord,
    memory?: MemoryCharger,
    kernelFs?: KernelMounts,
  ): Promise<ProcessFs> {
    const ovl = await this.#overlay(record, memory);
    const charger: MemoryCharger = memory ?? { tryCharge: () => true, uncharge: () => {} };
    const ns = new MountNamespace(
      new Mount(ovl, ovl.root, record.Spec.root.readonly ? 1 : 0, "overlay"),
      new Map(kernelFs?.fsTypes ?? defaultFsTypes()),
    );
    const pending: ((live: MountNamespace) => void)[] = [];
    for (const m of record.Spec.mounts) {
      let fs: TmpFs | BindFs | FileSystem | undefined;
      if (m.type === "devtmpfs") fs = createDevfs({ memory: charger });
      else if (m.type === "tmpfs") {
        const size = m.options?.find((o) => o.startsWith("size="));
        const mode = m.options?.find((o) => o.startsWith("mode="));
        fs = new TmpFs({
          memory: charger,
          sizeLimit: size ? Number(size.slice(5)) : undefined,
          rootMode: mode ? parseInt(mode.slice(5), 8) : 0o1777,
        });
      } else if (m.type === "bind") {
        // -v creates a missing host directory, as Docker does; a regular file is bound alone.
        try {
          if (!isHostFile(m.source)) Deno.mkdirSync(m.source, { recursive: true });
          fs = new BindFs(m.source, { readonly: m.options?.includes("ro") });
        } catch (err) {
          throw Object.assign(
            new Error(`cannot mount ${m.source} at ${m.destination}: ${(err as Error).message}`),
            { httpStatus: 400 },
          );
        }
      } else {
        // proc, cgroup2, mqueue: the kernel's types, showing the container's own namespaces.
        const factory = kernelFs?.fsTypes.get(m.type);
        if (!factory) continue;
        if (m.type === "cgroup2" || m.type === "mqueue") {
          // cgroupfs and mqueuefs take their view (cgroup, IPC namespace) when made: mount
          // them once the init exists (afterSpawn).
          const late = pending;
          late.push((live: MountNamespace) => {
            const made = factory(kernelFs!.viewer, m.source, "");
            if (typeof made === "number") return;
            const parentLoc = this.#locate(
              live,
              m.destination.split("/").slice(0, -1).join("/") || "/",
            );
            const dir = ensureDir(parentLoc.inode, m.destination.split("/").pop()!);
            const ro = m.type === "cgroup2" || m.options?.includes("ro") ? 1 : 0;
            live.attach(new Mount(made, made.root, ro, m.source), {
              mount: parentLoc.mount,
              inode: dir,
            });
          });
          continue;
        }
        const made = factory(kernelFs!.viewer, m.source, "");
        if (typeof made === "number") continue;
        fs = made;
      }
      const parent = m.destination.split("/").slice(0, -1).join("/") || "/";
      const parentLoc = this.#locate(ns, parent);
      const name = m.destination.split("/").pop()!;
      const at = fs instanceof BindFs && fs.isFile
        ? fileMountPoint(parentLoc.inode, name, m.source, m.destination)
        : ensureDir(parentLoc.inode, name);
      const ro = m.options?.includes("ro") ? 1 : 0;
      ns.attach(new Mount(fs, fs.root, ro, m.source), { mount: parentLoc.mount, inode: at });
    }
    const state = new FsState(ns);
    if (pending.length > 0) this.#late.set(state, pending);
    return state;
  }

  /**
   * Finish the mounts that need the container's init (cgroup2, mqueue).
   *
   * @param fs The state {@link open} returned.
   * @param live The init's file-system state.
   */
  afterSpawn(fs: ProcessFs, live: ProcessFs): void {
    // The init runs in its own copy of the namespace (CLONE_NEWNS): mount there.
    for (const f of this.#late.get(fs) ?? []) f((live as FsState).mountNs);
    this.#late.delete(fs);
  }

  /** The mount and inode of a directory path in a namespace (following mounts). */
  #locate(ns: MountNamespace, path: string): { mount: Mount; inode: Inode } {
    let mount = ns.root;
    let inode: Inode = mount.root;
    for (const part of path.split("/").filter((p) => p !== "")) {
      inode = ensureDir(inode, part);
      const covering = mount.children.get(inode);
      if (covering) {
        mount = covering;
        inode = covering.root;
      }
    }
    return { mount, inode };
  }

  async save(record: ContainerRecord): Promise<void> {
    const ovl = this.#overlays.get(record.Id);
    if (!ovl) return;
    const path = `${this.#dir(record)}/upper.tar`;
    if (overlayChanges(ovl).changes.length === 0) {
      // Nothing to keep: an empty upper needs no file (and no fsync).
      await Deno.remove(path).catch(() => {});
      return;
    }
    const tar = new Uint8Array(await new Response(overlayDiffTar(ovl)).arrayBuffer());
    atomicWrite(path, tar);
  }

  remove(record: ContainerRecord): Promise<void> {
    // The upper tree dies with the container: its memory and spill files are given back now,
    // not when the daemon exits (an open spill file keeps its disk space until closed).
    this.#overlays.get(record.Id)?.upperFs.destroy();
    this.#overlays.delete(record.Id);
    return Promise.resolve();
  }

  /**
   * Read a file of a container's root.
   *
   * @param record The container.
   * @param path Absolute path.
   * @returns Its text, or undefined when it is not a regular file.
   */
  async readFile(record: ContainerRecord, path: string): Promise<string | undefined> {
    const node = lookupPath((await this.#overlay(record)).root, path);
    if (!node || kindOf(node.stat().mode) !== "file") return undefined;
    return new TextDecoder().decode(readAll(node));
  }

  /** File-system operations. */
  readonly fs: ContainerFs = {
    changes: async (record): Promise<FsChange[]> => {
      const ovl = await this.#overlay(record);
      return overlayChanges(ovl).changes.map((c) => ({
        Path: c.path,
        Kind: CHANGE_KIND_NUMBER[c.kind],
      }));
    },
    diffTar: async (record): Promise<Uint8Array> => {
      const ovl = await this.#overlay(record);
      return new Uint8Array(await new Response(overlayDiffTar(ovl)).arrayBuffer());
    },
    exportTar: async (record): Promise<ReadableStream<Uint8Array>> => {
      const ovl = await this.#overlay(record);
      const changes: LayerChange[] = [];
      treeChanges(ovl.root, "/", changes, () => false);
      return layerTar(changes);
    },
    statPath: async (record, path): Promise<PathStat> => {
      const ovl = await this.#overlay(record);
      const node = lookupPath(ovl.root, path);
      if (!node) throw new PathNotFoundError(path);
      return pathStat(node, path);
    },
    archive: async (record, path) => {
      const ovl = await this.#overlay(record);
      const node = lookupPath(ovl.root, path);
      if (!node) throw new PathNotFoundError(path);
      const name = path.split("/").filter((p) => p !== "").pop() ?? "/";
      const changes: LayerChange[] = [];
      const raw: LayerChange[] = [];
      treeChanges(node, "/", raw, () => false);
      const st = node.stat();
      if (kindOf(st.mode) === "dir") {
        changes.push({
          type: "dir",
          path: `/${name}`,
          mode: st.mode & 0o7777,
          uid: st.uid,
          gid: st.gid,
        });
        for (const c of raw) changes.push({ ...c, path: `/${name}${c.path}` } as LayerChange);
      } else for (const c of raw) changes.push({ ...c, path: `/${name}` } as LayerChange);
      const tar = new Uint8Array(await new Response(layerTar(changes)).arrayBuffer());
      return { tar, stat: pathStat(node, path) };
    },
    extract: async (record, dir, tar) => {
      const ovl = await this.#overlay(record);
      const node = lookupPath(ovl.root, dir);
      if (!node || kindOf(node.stat().mode) !== "dir") throw new PathNotFoundError(dir);
      applyTar(ovl.root, dir, tar);
    },
    sizeRw: (record) => {
      // A container not loaded since the daemon started is measured from its saved layer.
      const ovl = this.#overlays.get(record.Id);
      if (ovl) return Promise.resolve(upperTreeSize(ovl.upperFs.root));
      return upperTarSize(`${this.#dir(record)}/upper.tar`);
    },
  };
}

function pathStat(node: Inode, path: string): PathStat {
  const st = node.stat();
  const kind = kindOf(st.mode);
  // Go's os.FileMode: ModeDir is bit 31 (added, not OR-ed: JS bit operators are 32-bit signed).
  const goMode = (st.mode & 0o777) + (kind === "dir" ? 2 ** 31 : 0) +
    (kind === "symlink" ? 2 ** 27 : 0);
  const t = node.readlink?.();
  return {
    name: path.split("/").filter((p) => p !== "").pop() ?? "/",
    size: st.size,
    mode: goMode,
    mtime: new Date(st.mtime.sec * 1000 + st.mtime.nsec / 1e6).toISOString(),
    linkTarget: kind === "symlink" && typeof t === "string" ? t : "",
  };
}
