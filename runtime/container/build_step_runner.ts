/**
 * The builder's {@link StepRunner} on the kernel: each `RUN` step runs in a build
 * container — new PID, mount, IPC and UTS namespaces, a cgroup with the build's limits,
 * an overlay of the step's layers with an empty upper tree, `/dev` (with `/dev/shm`), and,
 * as in a Docker build, `/proc` and `/dev/mqueue` of the step's own namespaces (`/proc` only
 * where the image has the directory: a mount point is never added to the layer) — and
 * the upper tree's diff comes back as the step's layer.
 *
 * @module
 */
import { type Digest, mergeLayers, openLayer, type Store } from "../../image/mod.ts";
import type { OpenLayer } from "../../image/mod.ts";
import type { RunStep, RunStepResult, StepRunner } from "../../image/build/step_runner.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { SpawnError } from "../kernel/kernel.ts";
import { memoryChargerOf } from "../kernel/cgroup.ts";
import { OverlayFs } from "../kernel/fs/overlay/overlay.ts";
import { overlayChanges, overlayDiffTar } from "../kernel/fs/overlay/overlay_diff.ts";
import { createDevfs } from "../kernel/fs/devfs/devfs.ts";
import { BindFs } from "../kernel/fs/bind/bind.ts";
import { CLONE } from "../kernel/syscalls/api.ts";
import { FsState } from "../kernel/vfs/fs_state.ts";
import { Mount, MountNamespace } from "../kernel/vfs/mount.ts";
import type { Inode, OpContext } from "../kernel/vfs/types.ts";
import type { Task } from "../kernel/task.ts";
import { resolveUser } from "./container_create.ts";

const ROOT: OpContext = { cred: { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] } };

function ensureDir(root: Inode, path: string): Inode {
  let node = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    const next = node.lookup?.(part);
    if (next && typeof next !== "number") {
      node = next;
      continue;
    }
    const made = node.create?.(part, "dir", 0o755, ROOT);
    if (!made || typeof made === "number") {
      throw new Error(`cannot create ${path} in the build container`);
    }
    node = made;
  }
  return node;
}

function readText(root: Inode, path: string): string {
  let node: Inode = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    const next = node.lookup?.(part);
    if (!next || typeof next === "number") return "";
    node = next;
  }
  const size = node.stat().size;
  const buf = new Uint8Array(size);
  const n = node.readAt?.(buf, 0);
  return new TextDecoder().decode(buf.subarray(0, typeof n === "number" && n > 0 ? n : 0));
}

async function pump(
  stream: ReadableStream<Uint8Array> | null,
  sink: (d: Uint8Array) => void,
): Promise<void> {
  if (!stream) return;
  try {
    for await (const chunk of stream) sink(chunk);
  } catch { /* gone */ }
}

let buildSeq = 0;

/**
 * Runs build steps on the daemon's kernel.
 *
 * @example
 * ```ts ignore
 * await engineBuild({ store, query, body, runner: new KernelStepRunner(kernel, store), write });
 * ```
 */
export class KernelStepRunner implements StepRunner {
  readonly #kernel: Kernel;
  readonly #store: Store;
  readonly #layers = new Map<string, Promise<OpenLayer>>();

  /**
   * Create it.
   *
   * @param kernel The daemon's kernel.
   * @param store The image store (layers by diff_id).
   */
  constructor(kernel: Kernel, store: Store) {
    this.#kernel = kernel;
    this.#store = store;
  }

  async run(step: RunStep): Promise<RunStepResult> {
    const k = this.#kernel;
    const layers = await Promise.all(step.layers.map((l) => {
      let p = this.#layers.get(l.diffId);
      if (!p) {
        p = openLayer(this.#store.layerFiles(l.diffId as Digest));
        this.#layers.set(l.diffId, p);
      }
      return p;
    }));
    if (!k.cgroups.get("/berth-build")) k.cgroups.create("/berth-build");
    const cgPath = `/berth-build/step-${++buildSeq}`;
    const g = k.cgroups.create(cgPath, {
      memoryMax: step.limits?.memoryBytes,
      cpuMax: step.limits?.cpus ? `${Math.round(step.limits.cpus * 100000)} 100000` : undefined,
    });
    if (typeof g === "number") throw new Error(`cannot create the build cgroup: errno ${g}`);
    const memory = memoryChargerOf(g);
    try {
      const ovl = new OverlayFs({ lower: mergeLayers(layers), memory });
      const ns = new MountNamespace(new Mount(ovl, ovl.root, 0, "overlay"), new Map(k.fsTypes));
      const dev = createDevfs({ memory });
      ns.attach(new Mount(dev, dev.root, 0, "dev"), {
        mount: ns.root,
        inode: ensureDir(ovl.root, "/dev"),
      });
      // procfs and mqueuefs show the namespaces of the step's process (its PID namespace
      // through the viewer once it exists; its IPC namespace when made, after the spawn).
      const current: { init?: Task } = {};
      const viewer = new Proxy({} as Task, {
        get: (_t, prop) => (current.init ? Reflect.get(current.init, prop) : undefined),
      });
      const procDir = ovl.root.lookup?.("proc");
      const proc = procDir && typeof procDir !== "number"
        ? k.fsTypes.get("proc")?.(viewer, "proc", "")
        : undefined;
      if (proc && typeof proc !== "number" && procDir && typeof procDir !== "number") {
        ns.attach(new Mount(proc, proc.root, 0, "proc"), { mount: ns.root, inode: procDir });
      }
      for (const cache of step.cacheMounts) {
        // The builder's cache directory, bound read-write (it persists across builds).
        await Deno.mkdir(cache.hostDir, { recursive: true });
        const bound = new BindFs(cache.hostDir);
        ns.attach(new Mount(bound, bound.root, 0, cache.id), {
          mount: ns.root,
          inode: ensureDir(ovl.root, cache.target),
        });
      }
      const workdir = step.workdir || "/";
      ensureDir(ovl.root, workdir);
      const user = step.user
        ? resolveUser(
          step.user,
          readText(ovl.root, "/etc/passwd"),
          readText(ovl.root, "/etc/group"),
        )
        : { uid: 0, gid: 0 };
      const out = (d: Uint8Array) => step.onOutput?.(d);
      let handle;
      try {
        handle = await k.spawn({
          argv: [...step.argv],
          env: [...step.env],
          cwd: workdir,
          cgroup: cgPath,
          cloneFlags: CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWIPC | CLONE.NEWUTS,
          hostname: "buildkitsandbox",
          fs: new FsState(ns),
          cred: { uid: user.uid, gid: user.gid },
          stdout: "pipe",
          stderr: "pipe",
        });
      } catch (err) {
        if (err instanceof SpawnError) {
          out(new TextEncoder().encode(`${err.message}\n`));
          return { exitCode: err.message.includes("ENOENT") ? 127 : 126 };
        }
        throw err;
      }
      current.init = handle.process;
      const mq = k.fsTypes.get("mqueue")?.(handle.process, "mqueue", "");
      if (mq && typeof mq !== "number") {
        // The step runs in its own copy of the namespace (CLONE_NEWNS): mount there.
        const live = (handle.process.fs as FsState).mountNs;
        const devTop = live.list().find((m) => m.fs === dev);
        if (devTop) {
          live.attach(new Mount(mq, mq.root, 0, "mqueue"), {
            mount: devTop,
            inode: ensureDir(dev.root, "/mqueue"),
          });
        }
      }
      const onAbort = () => handle.kill(9);
      step.signal?.addEventListener("abort", onAbort);
      const done = Promise.all([pump(handle.stdout, out), pump(handle.stderr, out)]);
      const status = await handle.wait();
      await done;
      step.signal?.removeEventListener("abort", onAbort);
      if (status.exitCode !== 0) return { exitCode: status.exitCode };
      if (overlayChanges(ovl).changes.length === 0) return { exitCode: 0 };
      const diff = new Uint8Array(await new Response(overlayDiffTar(ovl)).arrayBuffer());
      return { exitCode: 0, diff };
    } finally {
      k.cgroups.remove(cgPath);
    }
  }
}
