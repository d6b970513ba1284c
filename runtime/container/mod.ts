/**
 * Containers on the Berth kernel: an OCI runtime-spec subset turned into namespaces, a
 * cgroup with limits, an overlay root over an image's layers and mounts, run as PID 1 of
 * its namespace; plus the engine that keeps container records (the daemon's state).
 *
 * @example
 * ```ts ignore
 * import { openStore, ensureBaseImage } from "@berth/berth/image";
 * import { createKernel } from "@berth/berth";
 * import { ContainerEngine, KernelRuntime, OverlayRootfs } from "@berth/berth/containers";
 *
 * const store = await openStore(root);
 * const runtime = new KernelRuntime(createKernel(root), new OverlayRootfs(root, store));
 * const engine = new ContainerEngine({ root, store, runtime, emit: () => {} });
 * await engine.load();
 * const { Id } = await engine.create(parseCreateRequest({ Image: "berth/base", Cmd: ["true"] }));
 * await engine.start(Id);
 * await engine.wait(Id);
 * ```
 *
 * @module
 */
export { type Container, ContainerEngine } from "./container_engine.ts";
export { type KernelMounts, KernelRuntime, type RootfsProvider } from "./kernel_runtime.ts";
export { OverlayRootfs, PathNotFoundError } from "./overlay_rootfs.ts";
export { KernelStepRunner } from "./build_step_runner.ts";
export {
  type ContainerConfig,
  type CreateRequest,
  type HostConfig,
  InvalidConfigError,
  type Json,
  parseByteSize,
  parseCreateRequest,
  type RestartPolicy,
} from "./container_config.ts";
export type { OciMount, OciProcess, OciSpec } from "./container_spec.ts";
export type {
  RunStep,
  RunStepResult,
  StepCacheMount,
  StepLayer,
  StepRunner,
} from "../../image/build/step_runner.ts";
export { buildRecord, ContainerConflictError, NoSuchContainerError } from "./container_create.ts";
export {
  type LogOptions,
  type LogQuery,
  type LogRecord,
  LogWriter,
  parseLogOptions,
  readLogs,
} from "./container_logs.ts";
export type * from "./container_runtime.ts";
export { ContainerStartError } from "./container_runtime.ts";
export type * from "./container_state.ts";
