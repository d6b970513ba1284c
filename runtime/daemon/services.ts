/**
 * What the daemon hosts: the image store (with `berth/base` ensured at start), the one
 * kernel with the userland's applets, and the container engine on it; and the routes
 * that serve them.
 *
 * @module
 */
import { ensureBaseImage, openStore, type Store } from "../../image/mod.ts";
import { Kernel } from "../kernel/kernel.ts";
import { appletNames, applets } from "../userland/mod.ts";
import { registerWasi } from "../wasi/mod.ts";
import { ContainerEngine } from "../container/container_engine.ts";
import { KernelRuntime } from "../container/kernel_runtime.ts";
import { OverlayRootfs } from "../container/overlay_rootfs.ts";
import type { Daemon, DaemonService, ServiceFactory } from "./daemon.ts";
import { registerContainerRoutes } from "./api_containers.ts";
import { registerContainerFsRoutes } from "./api_container_fs.ts";
import { registerExecRoutes } from "./api_exec.ts";
import { registerRunRoute } from "./api_run.ts";
import { registerImageRoutes } from "./api_images.ts";
import { registerImageIoRoutes } from "./api_image_io.ts";
import { KernelStepRunner } from "../container/build_step_runner.ts";
import { infoProviders } from "./api_system.ts";
import type { Router } from "./router.ts";

/** The hosted parts, for other services and tests. */
export interface Hosted {
  /** Image store. */
  store: Store;
  /** The kernel. */
  kernel: Kernel;
  /** The engine. */
  engine: ContainerEngine;
}

/**
 * Make the kernel the daemon hosts.
 *
 * @param root The state root (the WASI module cache lives under it).
 * @returns A kernel with the userland's applets and the WASI executor.
 * @example
 * ```ts ignore
 * const kernel = createKernel();
 * ```
 */
export function createKernel(root?: string): Kernel {
  const kernel = new Kernel({ builtins: applets });
  // WASI programs (`\0asm`) run as green threads; instrumented modules are cached on disk.
  registerWasi(kernel, root ? { cacheDir: `${root}/cache/wasi` } : {});
  return kernel;
}

/**
 * Start the hosted parts on a state root.
 *
 * @param daemon The daemon (root, events, log).
 * @returns Store, kernel and engine.
 * @example
 * ```ts ignore
 * const { engine } = await startHosted(daemon);
 * ```
 */
export async function startHosted(daemon: Daemon): Promise<Hosted> {
  const store = await openStore(daemon.root);
  // The base image links /bin/<name> per applet; names a path cannot carry are skipped.
  const linkable = appletNames.filter((n) =>
    /^[A-Za-z0-9_.+-]+$/.test(n) && n !== "." && n !== ".."
  );
  await ensureBaseImage(store, { applets: linkable });
  const kernel = createKernel(daemon.root);
  const runtime = new KernelRuntime(kernel, new OverlayRootfs(daemon.root, store));
  const engine = new ContainerEngine({
    root: daemon.root,
    store,
    runtime,
    emit: (type, action, id, attrs) => daemon.events.emit(type, action, id, attrs),
    log: daemon.log,
  });
  await engine.load();
  return { store, kernel, engine };
}

/**
 * The container and image service.
 *
 * @param daemon The daemon.
 * @returns The service.
 */
export const containerServiceFactory: ServiceFactory = async (
  daemon: Daemon,
): Promise<DaemonService> => {
  const hosted = await startHosted(daemon);
  const { store, engine, kernel } = hosted;
  infoProviders.counts.push(async () => {
    const all = engine.all();
    return {
      Containers: all.length,
      ContainersRunning: all.filter((c) => c.record.State.Status === "running").length,
      ContainersPaused: all.filter((c) => c.record.State.Status === "paused").length,
      ContainersStopped: all.filter((c) => !c.record.State.Running).length,
      Images: (await store.images()).length,
    };
  });
  return {
    register(router: Router) {
      registerContainerRoutes(router, engine, store);
      registerRunRoute(router, engine);
      registerContainerFsRoutes(router, daemon, engine, store);
      registerExecRoutes(router, daemon, engine);
      registerImageIoRoutes(router, daemon, store, new KernelStepRunner(kernel, store));
      registerImageRoutes(router, daemon, store, {
        userOf: (image) => {
          const c = engine.all().find((c) => c.record.Image === image.id);
          return c ? c.record.Id.slice(0, 12) : undefined;
        },
        runningUserOf: (image) => {
          const c = engine.all().find((c) =>
            c.record.Image === image.id && (c.record.State.Running || c.record.State.Paused)
          );
          return c ? c.record.Id.slice(0, 12) : undefined;
        },
        countUsers: (id) => engine.all().filter((c) => c.record.Image === id).length,
      });
    },
    async stop() {
      await engine.shutdown();
    },
  };
};
