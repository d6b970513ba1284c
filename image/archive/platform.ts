/**
 * Which manifest of a multi-platform index Berth takes.
 *
 * Berth runs WebAssembly (WASI preview1) programs and its own builtin userland, so its
 * native platform is `wasi/wasm`, the name Docker gives WebAssembly images. When an
 * index has no `wasi/wasm` entry, the host's Linux platform (`linux/amd64` on x86-64,
 * `linux/arm64` on aarch64) is taken, so such images import and inspect normally
 * (running their ELF entrypoints fails with `exec format error`, as Docker does on a
 * foreign architecture). Then any `linux/amd64`. Attestation entries
 * (`unknown/unknown`) are never chosen. An index with a single usable entry yields it.
 *
 * @module
 */
import type { Descriptor, Platform } from "../store/media_types.ts";
import { ImageError } from "../store/errors.ts";

/** The host's Linux platform in OCI terms. */
export function hostPlatform(): Platform {
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "amd64";
  return { os: "linux", architecture: arch };
}

/** Platforms in order of preference. */
export function preferredPlatforms(): Platform[] {
  const host = hostPlatform();
  const list: Platform[] = [{ os: "wasi", architecture: "wasm" }, host];
  if (host.architecture !== "amd64") list.push({ os: "linux", architecture: "amd64" });
  return list;
}

/**
 * Format a platform as Docker prints it (`linux/arm64/v8`).
 *
 * @param p Platform.
 * @returns Text.
 * @example
 * ```ts
 * import { formatPlatform } from "./platform.ts";
 * console.assert(formatPlatform({ os: "wasi", architecture: "wasm" }) === "wasi/wasm");
 * ```
 */
export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/**
 * Choose the manifest for Berth's platform from an index's entries.
 *
 * @param manifests Entries of an index.
 * @param where The index (for the error message).
 * @returns The chosen entry.
 * @throws ImageError naming the available platforms when none fits.
 * @example
 * ```ts
 * import { choosePlatform } from "./platform.ts";
 * const d = (os: string, architecture: string) => ({
 *   mediaType: "m", digest: os, size: 1, platform: { os, architecture },
 * });
 * console.assert(choosePlatform([d("linux", "amd64"), d("wasi", "wasm")], "x").digest === "wasi");
 * ```
 */
export function choosePlatform(manifests: readonly Descriptor[], where: string): Descriptor {
  const usable = manifests.filter((m) =>
    !(m.platform?.os === "unknown" || m.platform?.architecture === "unknown") &&
    m.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest"
  );
  for (const want of preferredPlatforms()) {
    const hit = usable.find((m) =>
      m.platform?.os === want.os && m.platform.architecture === want.architecture
    );
    if (hit) return hit;
  }
  if (usable.length === 1 && usable[0]) return usable[0];
  const have = usable.map((m) => (m.platform ? formatPlatform(m.platform) : "unspecified"));
  throw new ImageError(
    `Cannot choose a platform in ${where}: no ${
      preferredPlatforms().map(formatPlatform).join(" or ")
    } entry (it has ${have.join(", ") || "none"})`,
  );
}
