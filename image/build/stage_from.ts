/**
 * The state a stage starts from: another stage of the same Dockerfile, `scratch`, or an
 * image of the store. Each start has its own cache-key root, so a changed base image
 * invalidates everything built on it.
 *
 * @module
 */
import type { Digest } from "../store/digest.ts";
import type { StoredImage } from "../store/store.ts";
import { type BuildImageConfig, chainKey, type StageState } from "./stage_state.ts";

/**
 * Start from a finished stage (`FROM builder`): its files and config, fresh ARG scope.
 *
 * @param s The finished stage.
 * @returns The new stage's state.
 * @example
 * ```ts ignore
 * const state = stateFromStage(finished.get(0)!);
 * ```
 */
export function stateFromStage(s: StageState): StageState {
  return {
    config: structuredClone(s.config),
    layers: [...s.layers],
    args: new Map(),
    key: chainKey("FROM stage", s.key),
    created: s.created,
    cmdSetHere: false,
  };
}

/**
 * Start from `scratch`: no layers, BuildKit's default PATH, the platform of `--platform`
 * (default wasi/wasm, Berth's own), history time at the epoch.
 *
 * @param platform `--platform` of the FROM, if any ("linux/amd64").
 * @param epoch SOURCE_DATE_EPOCH in seconds, if any.
 * @returns The new stage's state.
 * @example
 * ```ts
 * import { stateFromScratch } from "./stage_from.ts";
 * console.assert(stateFromScratch(undefined, 0).config.os === "wasi");
 * ```
 */
export function stateFromScratch(
  platform: string | undefined,
  epoch: number | undefined,
): StageState {
  const [os = "wasi", arch = "wasm"] = (platform ?? "wasi/wasm").split("/");
  return {
    config: {
      architecture: arch,
      os,
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
      rootfs: { type: "layers", diff_ids: [] },
      history: [],
    },
    layers: [],
    args: new Map(),
    key: chainKey("FROM scratch", `${os}/${arch}`),
    created: new Date((epoch ?? 0) * 1000).toISOString(),
    cmdSetHere: false,
  };
}

/**
 * Start from an image of the store: its config (ONBUILD triggers included, for the
 * builder to run) and layers; the cache key is rooted at its image ID.
 *
 * @param img The image.
 * @returns The new stage's state.
 * @example
 * ```ts ignore
 * const state = stateFromImage(await store.resolve("berth/base"));
 * ```
 */
export function stateFromImage(img: StoredImage): StageState {
  const config = structuredClone(img.config) as BuildImageConfig;
  const layers = img.manifest.layers.map((l, i) => ({
    digest: l.digest as Digest,
    size: l.size,
    diffId: config.rootfs.diff_ids[i] as Digest,
    mediaType: l.mediaType,
  }));
  return {
    config,
    layers,
    args: new Map(),
    key: chainKey("FROM image", img.id),
    created: config.created ?? config.history?.at(-1)?.created ?? new Date(0).toISOString(),
    cmdSetHere: false,
  };
}
