/**
 * Typed errors of the image half. Messages say what failed and on what, in the shape
 * "Cannot <verb> <object>: <why>"; the CLI adds the remedy and the exit code.
 *
 * @module
 */

/** Base class of every error thrown by `image/`. */
export class ImageError extends Error {
  /**
   * Create it.
   *
   * @param message What failed and why.
   * @example
   * ```ts
   * import { ImageError } from "./errors.ts";
   * console.assert(new ImageError("x").name === "ImageError");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A digest string that is not `sha256:<64 hex>` (or uses an algorithm we do not support). */
export class InvalidDigestError extends ImageError {
  /**
   * Create it.
   *
   * @param text The rejected text.
   * @param why What is wrong with it.
   * @example
   * ```ts
   * import { InvalidDigestError } from "./errors.ts";
   * console.assert(new InvalidDigestError("x", "no algorithm").text === "x");
   * ```
   */
  constructor(readonly text: string, why: string) {
    super(`Invalid digest "${text}": ${why}`);
  }
}

/** Content did not hash to the digest it was announced with. */
export class DigestMismatchError extends ImageError {
  /**
   * Create it.
   *
   * @param expected The announced digest.
   * @param actual The digest of the bytes received.
   * @param what Which blob or file (for the message).
   * @example
   * ```ts
   * import { DigestMismatchError } from "./errors.ts";
   * const e = new DigestMismatchError("sha256:aa", "sha256:bb", "layer");
   * console.assert(e.message.includes("expected sha256:aa"));
   * ```
   */
  constructor(readonly expected: string, readonly actual: string, what = "blob") {
    super(`Cannot verify ${what}: expected ${expected}, got ${actual}`);
  }
}

/** Content had a different size from the one announced. */
export class SizeMismatchError extends ImageError {
  /**
   * Create it.
   *
   * @param expected Announced size in bytes.
   * @param actual Bytes received.
   * @param what Which blob (for the message).
   * @example
   * ```ts
   * import { SizeMismatchError } from "./errors.ts";
   * console.assert(new SizeMismatchError(1, 2, "b").actual === 2);
   * ```
   */
  constructor(readonly expected: number, readonly actual: number, what = "blob") {
    super(`Cannot verify ${what}: expected ${expected} bytes, got ${actual}`);
  }
}

/** A reference string that Docker's grammar rejects. */
export class InvalidReferenceError extends ImageError {
  /**
   * Create it.
   *
   * @param text The rejected reference.
   * @param why What is wrong with it.
   * @example
   * ```ts
   * import { InvalidReferenceError } from "./errors.ts";
   * console.assert(new InvalidReferenceError("A", "uppercase").text === "A");
   * ```
   */
  constructor(readonly text: string, why: string) {
    super(`Invalid reference format "${text}": ${why}`);
  }
}

/** No image matches a reference or ID. */
export class ImageNotFoundError extends ImageError {
  /**
   * Create it.
   *
   * @param ref The reference or ID asked for.
   * @example
   * ```ts
   * import { ImageNotFoundError } from "./errors.ts";
   * console.assert(new ImageNotFoundError("web:1").message === 'No such image: web:1');
   * ```
   */
  constructor(readonly ref: string) {
    super(`No such image: ${ref}`);
  }
}

/** A blob that a manifest, index or archive names is not present. */
export class BlobNotFoundError extends ImageError {
  /**
   * Create it.
   *
   * @param digest The missing digest.
   * @param where Who names it (for the message).
   * @example
   * ```ts
   * import { BlobNotFoundError } from "./errors.ts";
   * console.assert(new BlobNotFoundError("sha256:aa", "manifest").digest === "sha256:aa");
   * ```
   */
  constructor(readonly digest: string, where = "store") {
    super(`Cannot find blob ${digest} named by ${where}`);
  }
}

/** A media type Berth does not handle (e.g. `tar+zstd` layers, schema 1 manifests). */
export class UnsupportedMediaTypeError extends ImageError {
  /**
   * Create it.
   *
   * @param mediaType The media type met.
   * @param hint What to do instead.
   * @example
   * ```ts
   * import { UnsupportedMediaTypeError } from "./errors.ts";
   * console.assert(new UnsupportedMediaTypeError("x/y").mediaType === "x/y");
   * ```
   */
  constructor(readonly mediaType: string, hint = "") {
    super(`Unsupported media type ${mediaType}${hint ? `: ${hint}` : ""}`);
  }
}

/** A tar stream Berth refuses: corrupt, truncated, escaping paths, sparse files, bombs. */
export class BadLayerError extends ImageError {
  /**
   * Create it.
   *
   * @param file The layer or archive (for the message).
   * @param problem What is wrong, naming the entry when there is one.
   * @example
   * ```ts
   * import { BadLayerError } from "./errors.ts";
   * console.assert(new BadLayerError("l.tar", "truncated").message.includes("l.tar"));
   * ```
   */
  constructor(readonly file: string, readonly problem: string) {
    super(`Cannot read layer ${file}: ${problem}`);
  }
}

/** An archive (`berth load`) that is neither an OCI layout nor a `docker save` tar. */
export class BadArchiveError extends ImageError {
  /**
   * Create it.
   *
   * @param file The archive (for the message).
   * @param problem What is wrong.
   * @example
   * ```ts
   * import { BadArchiveError } from "./errors.ts";
   * console.assert(new BadArchiveError("a.tar", "empty").file === "a.tar");
   * ```
   */
  constructor(readonly file: string, readonly problem: string) {
    super(`Cannot load archive ${file}: ${problem}`);
  }
}

/** An image cannot be removed because a container uses it or it has several tags. */
export class ImageConflictError extends ImageError {
  /**
   * Create it.
   *
   * @param message Docker-like conflict message.
   * @example
   * ```ts
   * import { ImageConflictError } from "./errors.ts";
   * console.assert(new ImageConflictError("in use").name === "ImageConflictError");
   * ```
   */
  constructor(message: string) {
    super(message);
  }
}
