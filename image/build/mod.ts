/**
 * `berth build`: Dockerfile parsing, `.dockerignore` matching, the build cache and the
 * builder. RUN steps run through a {@link StepRunner} the daemon provides.
 *
 * Wiring (the daemon):
 * - `POST /build` → {@link engineBuild} (context tar in, Docker JSON messages out);
 * - `POST /build/prune` (`berth builder prune`) → {@link engineBuildPrune};
 * - or call {@link build} directly with a context directory; progress arrives as
 *   {@link BuildEvent}s ({@link PlainProgress} prints them as BuildKit's plain output).
 *
 * State lives under `<state root>/builder/` (cache records, cache mounts, digest memos);
 * cached layers are pinned in the image store until pruned.
 *
 * @module
 */
export { build, type BuildOptions, type BuildResult } from "./builder.ts";
export { BuildCache, builderDirOf, type CacheRecord, type PruneReport } from "./build_cache.ts";
export {
  buildErrorMessage,
  type BuildEvent,
  type BuildJsonMessage,
  JsonProgress,
  PlainProgress,
} from "./build_progress.ts";
export { ContextTarError, extractContextTar } from "./context_tar.ts";
export { engineBuild, engineBuildPrune, type EngineBuildRequest } from "./engine_build.ts";
export { BuildContext, loadIgnoreFile } from "./build_context.ts";
export {
  DockerfileError,
  type Heredoc,
  type ParsedDockerfile,
  parseDockerfile,
  type RawInstruction,
} from "./dockerfile_parser.ts";
export { IgnoreMatcher } from "./dockerignore.ts";
export {
  type ArgInstruction,
  type CommandForm,
  type CommandInstruction,
  type CopyInstruction,
  type Dockerfile,
  type FromInstruction,
  type HealthcheckInstruction,
  type Instruction,
  type InstructionBase,
  type ListInstruction,
  type OnbuildInstruction,
  type PairsInstruction,
  parseInstructions,
  type RunInstruction,
  type RunMount,
  type ShellInstruction,
  type ValueInstruction,
} from "./instructions.ts";
export { BuildStepError } from "./stage_state.ts";
export { RunFailedError } from "./step_run.ts";
export type {
  RunStep,
  RunStepResult,
  StepCacheMount,
  StepLayer,
  StepRunner,
} from "./step_runner.ts";
export {
  type SourceNode,
  type SourceNodeType,
  SourceNotFoundError,
  type SourceTree,
} from "./source_tree.ts";
// Small types of the image store that the builder's API mentions (the store itself is
// exported by image/mod.ts).
export type { ImageLayer } from "../store/store.ts";
export type { Digest } from "../store/digest.ts";
