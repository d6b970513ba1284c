/**
 * Docker image references: `[domain/]path[:tag][@digest]`, normalised as Docker does
 * (`busybox` → `docker.io/library/busybox:latest`) and shown short
 * (`docker.io/library/busybox:latest` → `busybox:latest`).
 *
 * @module
 */
import { type Digest, parseDigest } from "./digest.ts";
import { InvalidReferenceError } from "./errors.ts";

/** Default registry domain of unqualified names. */
export const DEFAULT_DOMAIN = "docker.io";
/** Tag used when a reference names none. */
export const DEFAULT_TAG = "latest";

/** A parsed, normalised image reference. */
export interface Reference {
  /** Registry domain, e.g. `docker.io` or `localhost:5000`. */
  readonly domain: string;
  /** Repository path inside the domain, e.g. `library/busybox`. */
  readonly path: string;
  /** Tag, if any (`latest` is filled in when neither tag nor digest is given). */
  readonly tag?: string;
  /** Digest, if the reference pins one. */
  readonly digest?: Digest;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

/**
 * Parse and normalise a reference as Docker does.
 *
 * @param text `name[:tag][@digest]`.
 * @param options `defaultTag: false` keeps a reference without tag untagged.
 * @returns The normalised reference.
 * @throws InvalidReferenceError when Docker's grammar rejects the text.
 * @example
 * ```ts
 * import { parseReference, formatReference } from "./reference.ts";
 * const r = parseReference("busybox");
 * console.assert(formatReference(r) === "docker.io/library/busybox:latest");
 * ```
 */
export function parseReference(text: string, options: { defaultTag?: boolean } = {}): Reference {
  if (text.length === 0) throw new InvalidReferenceError(text, "empty reference");
  if (text.length > 255 + 72) throw new InvalidReferenceError(text, "reference too long");
  let rest = text;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch (e) {
      throw new InvalidReferenceError(text, (e as Error).message);
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(text, `invalid tag "${tag}"`);
  }
  if (rest.length === 0) throw new InvalidReferenceError(text, "empty repository name");
  const parts = rest.split("/");
  let domain = DEFAULT_DOMAIN;
  const first = parts[0] ?? "";
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    domain = first;
    parts.shift();
    const [host, port] = domain.split(":");
    const hostOk = (host ?? "").split(".").every((c) => DOMAIN_COMPONENT.test(c));
    if (!hostOk || (port !== undefined && !/^\d+$/.test(port))) {
      throw new InvalidReferenceError(text, `invalid domain "${domain}"`);
    }
  }
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  for (const c of parts) {
    if (!COMPONENT.test(c)) {
      const why = /[A-Z]/.test(c)
        ? "repository name must be lowercase"
        : `invalid path component "${c}"`;
      throw new InvalidReferenceError(text, why);
    }
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift("library");
  const path = parts.join("/");
  if (path.length > 255) throw new InvalidReferenceError(text, "repository name too long");
  if (tag === undefined && digest === undefined && options.defaultTag !== false) {
    tag = DEFAULT_TAG;
  }
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * Whether text could be a reference (no exception).
 *
 * @param text Any text.
 * @returns True when `parseReference` accepts it.
 * @example
 * ```ts
 * import { isReference } from "./reference.ts";
 * console.assert(!isReference("UPPER"));
 * ```
 */
export function isReference(text: string): boolean {
  try {
    parseReference(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fully-qualified repository name (`docker.io/library/busybox`).
 *
 * @param ref A parsed reference.
 * @returns `domain/path`.
 * @example
 * ```ts
 * import { parseReference, repositoryName } from "./reference.ts";
 * console.assert(repositoryName(parseReference("a/b:1")) === "docker.io/a/b");
 * ```
 */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/**
 * Short repository name as Docker shows it (`busybox`, `berth/base`, `localhost:5000/x`).
 *
 * @param ref A parsed reference.
 * @returns The familiar repository name.
 * @example
 * ```ts
 * import { parseReference, familiarRepository } from "./reference.ts";
 * console.assert(familiarRepository(parseReference("docker.io/library/busybox")) === "busybox");
 * ```
 */
export function familiarRepository(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith("library/") && ref.path.split("/").length === 2
    ? ref.path.slice(8)
    : ref.path;
}

/**
 * Fully-qualified text of a reference (what the store keeps in index.json).
 *
 * @param ref A parsed reference.
 * @returns `domain/path[:tag][@digest]`.
 * @example
 * ```ts
 * import { parseReference, formatReference } from "./reference.ts";
 * console.assert(formatReference(parseReference("x:1")) === "docker.io/library/x:1");
 * ```
 */
export function formatReference(ref: Reference): string {
  return repositoryName(ref) + (ref.tag ? `:${ref.tag}` : "") +
    (ref.digest ? `@${ref.digest}` : "");
}

/**
 * Short text of a reference as Docker shows it (`busybox:latest`).
 *
 * @param ref A parsed reference.
 * @returns `familiar[:tag][@digest]`.
 * @example
 * ```ts
 * import { parseReference, familiarReference } from "./reference.ts";
 * console.assert(familiarReference(parseReference("docker.io/library/x")) === "x:latest");
 * ```
 */
export function familiarReference(ref: Reference): string {
  return familiarRepository(ref) + (ref.tag ? `:${ref.tag}` : "") +
    (ref.digest ? `@${ref.digest}` : "");
}
