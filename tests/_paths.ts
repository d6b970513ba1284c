/**
 * Small path helpers for tests (no @std available here).
 *
 * @module
 */
import { posix } from "node:path";
import { fileURLToPath } from "node:url";

/** Directory part of a path. */
export const dirname: (p: string) => string = posix.dirname;

/** A file: URL as a path. */
export function fromFileUrl(url: string): string {
  return fileURLToPath(url);
}

/** The repository root. */
export const repoRoot: string = posix.resolve(dirname(fileURLToPath(import.meta.url)), "..");
