/**
 * Content digests as a branded type. A `Digest` is only made by `parseDigest` (or by
 * hashing bytes), so a string that reached a `Digest` parameter has been validated.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { InvalidDigestError } from "./errors.ts";

/** A validated `sha256:<64 lowercase hex>` digest. */
export type Digest = string & { readonly __brand: "Digest" };

const SHA256 = /^sha256:[a-f0-9]{64}$/;

/**
 * Validate a digest string.
 *
 * @param text Text such as `sha256:e3b0…`.
 * @returns The same text, typed as a `Digest`.
 * @throws InvalidDigestError when the text is not a sha256 digest.
 * @example
 * ```ts
 * import { parseDigest } from "./digest.ts";
 * const d = parseDigest("sha256:" + "0".repeat(64));
 * console.assert(d.length === 71);
 * ```
 */
export function parseDigest(text: string): Digest {
  if (SHA256.test(text)) return text as Digest;
  const colon = text.indexOf(":");
  if (colon < 0) throw new InvalidDigestError(text, "missing algorithm prefix (sha256:)");
  const alg = text.slice(0, colon);
  if (alg !== "sha256") {
    throw new InvalidDigestError(text, `unsupported algorithm "${alg}" (only sha256)`);
  }
  throw new InvalidDigestError(text, "expected 64 lowercase hex characters after sha256:");
}

/**
 * Whether text is a valid digest (no exception).
 *
 * @param text Any text.
 * @returns True when `parseDigest(text)` would succeed.
 * @example
 * ```ts
 * import { isDigest } from "./digest.ts";
 * console.assert(!isDigest("sha256:xyz"));
 * ```
 */
export function isDigest(text: string): text is Digest {
  return SHA256.test(text);
}

/**
 * Hex part of a digest (the blob's file name in `blobs/sha256/`).
 *
 * @param digest A digest.
 * @returns 64 hex characters.
 * @example
 * ```ts
 * import { digestHex, parseDigest } from "./digest.ts";
 * console.assert(digestHex(parseDigest("sha256:" + "a".repeat(64))) === "a".repeat(64));
 * ```
 */
export function digestHex(digest: Digest): string {
  return digest.slice(7);
}

/**
 * Short form as Docker prints image IDs (12 hex characters).
 *
 * @param digest A digest.
 * @returns The first 12 hex characters.
 * @example
 * ```ts
 * import { shortId, parseDigest } from "./digest.ts";
 * console.assert(shortId(parseDigest("sha256:" + "b".repeat(64))) === "bbbbbbbbbbbb");
 * ```
 */
export function shortId(digest: Digest): string {
  return digest.slice(7, 19);
}

/**
 * sha256 of bytes or a string (UTF-8).
 *
 * @param data The content.
 * @returns Its digest.
 * @example
 * ```ts
 * import { sha256Digest } from "./digest.ts";
 * console.assert(sha256Digest("").endsWith("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
 * ```
 */
export function sha256Digest(data: Uint8Array | string): Digest {
  return ("sha256:" + createHash("sha256").update(data).digest("hex")) as Digest;
}

/** Incremental sha256 for streams. */
export class DigestWriter {
  #hash = createHash("sha256");
  #size = 0;
  #done: Digest | undefined;

  /**
   * Feed bytes.
   *
   * @param chunk Next bytes of the content.
   * @example
   * ```ts
   * import { DigestWriter, sha256Digest } from "./digest.ts";
   * const w = new DigestWriter();
   * w.update(new TextEncoder().encode("ab"));
   * console.assert(w.digest() === sha256Digest("ab") && w.size === 2);
   * ```
   */
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
  }

  /** Bytes fed so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Finish and return the digest (later calls return the same value; no more updates).
   *
   * @returns The digest of everything fed.
   * @example
   * ```ts
   * import { DigestWriter } from "./digest.ts";
   * console.assert(new DigestWriter().digest().startsWith("sha256:"));
   * ```
   */
  digest(): Digest {
    this.#done ??= ("sha256:" + this.#hash.digest("hex")) as Digest;
    return this.#done;
  }
}
