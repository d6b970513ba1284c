/**
 * Folder-private helpers of the store: index.json edits and names.
 *
 * @module
 */
import { ImageError } from "./errors.ts";
import { type ImageIndex, MediaType, REF_NAME_ANNOTATION } from "./media_types.ts";
import { familiarReference, parseReference } from "./reference.ts";

/** An empty OCI index. */
export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

/** Remove `ref` from whichever entry has it; keep that image as untagged if it had no other tag. */
export function moveTag(index: ImageIndex, ref: string): void {
  const i = index.manifests.findIndex((d) => d.annotations?.[REF_NAME_ANNOTATION] === ref);
  if (i < 0) return;
  const old = index.manifests[i];
  if (!old) return;
  const others = index.manifests.filter((d, j) => j !== i && d.digest === old.digest);
  if (others.length === 0) {
    index.manifests[i] = { mediaType: old.mediaType, digest: old.digest, size: old.size };
  } else {
    index.manifests.splice(i, 1);
  }
}

/** Short form of a stored full reference (`docker.io/library/x:1` → `x:1`). */
export function familiar(full: string): string {
  try {
    return familiarReference(parseReference(full));
  } catch {
    return full;
  }
}

/** A pin owner must be a safe file name. */
export function checkOwner(owner: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(owner) || owner.startsWith(".")) {
    throw new ImageError(`Invalid pin owner "${owner}"`);
  }
}
