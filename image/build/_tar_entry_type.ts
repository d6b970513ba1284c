/**
 * The layer entry type of a `modern-tar` header type.
 *
 * @module
 */
import type { LayerEntryType } from "../layer/types.ts";

/**
 * Map a `modern-tar` header type to the type a layer records.
 *
 * @param type The header's `type` ("directory", "symlink", "link", …).
 * @returns The layer entry type; anything unknown is a regular file, as tar readers do.
 */
export function layerEntryType(type: string | undefined): LayerEntryType {
  switch (type) {
    case "directory":
      return "dir";
    case "symlink":
      return "symlink";
    case "link":
      return "hardlink";
    case "character-device":
      return "char";
    case "block-device":
      return "block";
    case "fifo":
      return "fifo";
    default:
      return "file";
  }
}
