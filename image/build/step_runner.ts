/**
 * The boundary between the image builder and whatever executes `RUN` steps.
 *
 * `image/build` never imports `runtime/`: the CLI/daemon gives the builder a
 * {@link StepRunner} that runs one step in a build container on the kernel (a fresh
 * PID/IPC/mount namespace whose root is an overlay of the step's layers plus an empty
 * upper tree) and hands back the upper tree's diff as an uncompressed layer tar.
 * The builder then normalises that tar (sorted entries, clamped mtimes) and stores it
 * with the reproducible layer writer.
 *
 * @module
 */

/** One layer of the image a step runs on, lowest first. */
export interface StepLayer {
  /** Digest of the layer blob as stored (`sha256:…`, may be gzip-compressed). */
  digest: string;
  /** The layer's diff_id (sha256 of the uncompressed tar). */
  diffId: string;
}

/** A persistent cache directory mounted into the build container (`RUN --mount=type=cache`). */
export interface StepCacheMount {
  /** Absolute path inside the container. */
  target: string;
  /** Absolute host directory that persists across builds; bind-mount it read-write at `target`. */
  hostDir: string;
  /** Cache id (defaults to the target). */
  id: string;
}

/** Everything a runner needs to execute one `RUN` step. */
export interface RunStep {
  /** The image's layers, lowest first (the build container's read-only lower dirs). */
  layers: readonly StepLayer[];
  /** Environment as `KEY=value` (image ENV, then the build args the step sees). */
  env: readonly string[];
  /** `USER` of the image ("" means root); `name`, `uid`, `name:group` or `uid:gid`. */
  user: string;
  /** Working directory (absolute; the runner creates it if absent). */
  workdir: string;
  /**
   * What to exec: for the shell form the builder already prepended the `SHELL`
   * (default `["/bin/sh", "-c"]`), so this is always an argv.
   */
  argv: readonly string[];
  /** Cache mounts (`--mount=type=cache`). */
  cacheMounts: readonly StepCacheMount[];
  /** Resource limits of the build container; undefined means the runner's defaults. */
  limits?: { memoryBytes?: number; cpus?: number };
  /** Called with each chunk of the step's combined stdout/stderr as it is produced. */
  onOutput?: (chunk: Uint8Array) => void;
  /** Aborts the step (the runner kills the build container). */
  signal?: AbortSignal;
}

/** What a finished `RUN` step produced. */
export interface RunStepResult {
  /** Exit status of the step's process (128+n for death by signal n, as a shell reports it). */
  exitCode: number;
  /**
   * The overlay upper tree's diff as an uncompressed OCI layer tar (whiteouts as
   * `.wh.NAME`, opaque dirs as `.wh..wh..opq`), or undefined when nothing changed.
   * Only read when `exitCode` is 0.
   */
  diff?: Uint8Array | ReadableStream<Uint8Array>;
}

/**
 * Runs `RUN` steps. Implemented by the CLI/daemon with the emulated kernel; tests may
 * give a deterministic double.
 *
 * @example
 * ```ts ignore
 * import type { StepRunner } from "./step_runner.ts";
 * const runner: StepRunner = {
 *   async run(step) {
 *     // start a build container on step.layers, exec step.argv, collect the upper diff
 *     return { exitCode: 0, diff: undefined };
 *   },
 * };
 * ```
 */
export interface StepRunner {
  /**
   * Run one step to completion.
   *
   * @param step The step: layers, env, user, workdir, argv, cache mounts.
   * @returns The exit status and, on success, the upper diff.
   */
  run(step: RunStep): Promise<RunStepResult>;
}
