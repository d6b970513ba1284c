/**
 * How a user's text finds an image, in Docker's order: a full digest (image ID or
 * manifest digest), then a reference (`web:1`, `docker.io/library/web:1`,
 * `web@sha256:…`), then a unique hex prefix of the image ID.
 *
 * @module
 */
import { digestHex, isDigest } from "./digest.ts";
import { ImageError } from "./errors.ts";
import { formatReference, parseReference, type Reference, repositoryName } from "./reference.ts";
import type { StoredImage } from "./store.ts";

/**
 * Find an image among `images`.
 *
 * @param images The store's images.
 * @param text What the user typed.
 * @returns The image, or undefined when nothing matches.
 * @throws ImageError when an ID prefix matches several images.
 * @example
 * ```ts ignore
 * const image = findImage(await store.images(), "web:1");
 * ```
 */
export function findImage(images: readonly StoredImage[], text: string): StoredImage | undefined {
  if (isDigest(text)) return images.find((i) => i.id === text || i.manifestDigest === text);
  let ref: Reference | undefined;
  try {
    ref = parseReference(text);
  } catch {
    ref = undefined;
  }
  if (ref?.digest) {
    const repo = repositoryName(ref);
    const digest = ref.digest;
    const hit = images.find((i) =>
      i.manifestDigest === digest &&
      (i.tags.length === 0 || i.tags.some((t) => t.startsWith(repo + ":")))
    );
    if (hit) return hit;
  } else if (ref) {
    const full = formatReference(ref);
    const hit = images.find((i) => i.tags.includes(full));
    if (hit) return hit;
  }
  if (/^[a-f0-9]{1,64}$/.test(text)) {
    const matches = images.filter((i) => digestHex(i.id).startsWith(text));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      throw new ImageError(`Ambiguous image ID prefix "${text}": ${matches.length} images match`);
    }
  }
  return undefined;
}
