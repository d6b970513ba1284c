/**
 * Creating a container: resolve the image, the user (from the image's `/etc/passwd`
 * and `/etc/group`), the name, and generate the record with its OCI spec.
 *
 * @module
 */
import { mergeLayers, openLayer, type Store, type StoredImage } from "../../image/mod.ts";
import type { Digest } from "../../image/mod.ts";
import { type CreateRequest, InvalidConfigError } from "./container_config.ts";
import { parseLogOptions } from "./container_logs.ts";
import { generateSpec } from "./container_spec.ts";
import {
  type ContainerRecord,
  createdState,
  NAME_PATTERN,
  newContainerId,
} from "./container_state.ts";

/** A name already in use: 409. */
export class ContainerConflictError extends Error {
  /** HTTP status. */
  readonly httpStatus = 409;
  /**
   * Create it.
   *
   * @param message What conflicts.
   */
  constructor(message: string) {
    super(message);
    this.name = "ContainerConflictError";
  }
}

/** No such container: 404. */
export class NoSuchContainerError extends Error {
  /** HTTP status. */
  readonly httpStatus = 404;
  /**
   * Create it.
   *
   * @param ref What was asked for.
   */
  constructor(readonly ref: string) {
    super(`No such container: ${ref}`);
    this.name = "NoSuchContainerError";
  }
}

/**
 * Read a file of an image (merged layers), or undefined.
 *
 * @param store The store.
 * @param image The image.
 * @param path Absolute path.
 * @returns Its text.
 * @example
 * ```ts ignore
 * const passwd = await readImageFile(store, image, "/etc/passwd");
 * ```
 */
export async function readImageFile(
  store: Pick<Store, "layerFiles">,
  image: StoredImage,
  path: string,
): Promise<string | undefined> {
  const layers = await Promise.all(
    image.config.rootfs.diff_ids.map((d) => openLayer(store.layerFiles(d as Digest))),
  );
  const merged = mergeLayers(layers);
  const hit = merged.lookup(path);
  if (!hit || hit.entry.type !== "file") return undefined;
  const buf = new Uint8Array(hit.entry.size);
  let off = 0;
  while (off < buf.length) {
    const n = merged.readSync(hit, buf.subarray(off), off);
    if (n <= 0) break;
    off += n;
  }
  return new TextDecoder().decode(buf.subarray(0, off));
}

/**
 * Resolve `user[:group]` to numbers with the image's passwd/group files.
 *
 * @param spec "", "root", "1000", "app:app", "1000:1000".
 * @param passwd /etc/passwd text.
 * @param group /etc/group text.
 * @returns uid and gid.
 * @throws {InvalidConfigError} For an unknown name.
 * @example
 * ```ts
 * import { resolveUser } from "./container_create.ts";
 * console.assert(resolveUser("app", "app:x:1000:1001::/home/app:/bin/sh\n", "").gid === 1001);
 * ```
 */
export function resolveUser(spec: string, passwd = "", group = ""): { uid: number; gid: number } {
  if (spec === "") return { uid: 0, gid: 0 };
  const [u, g] = spec.split(":") as [string, string | undefined];
  const users = passwd.split("\n").map((l) => l.split(":")).filter((f) => f.length >= 4);
  let uid: number;
  let gid: number;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const row = users.find((f) => Number(f[2]) === uid);
    gid = row ? Number(row[3]) : (uid === 0 ? 0 : uid);
  } else {
    const row = users.find((f) => f[0] === u);
    if (!row) {
      throw new InvalidConfigError(`unable to find user ${u}: no matching entries in passwd file`);
    }
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined && g !== "") {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = group.split("\n").map((l) => l.split(":")).find((f) => f[0] === g);
      if (!row) {
        throw new InvalidConfigError(
          `unable to find group ${g}: no matching entries in group file`,
        );
      }
      gid = Number(row[2]);
    }
  }
  return { uid, gid };
}

function copy(list: readonly string[] | undefined | null): string[] | null {
  return list ? [...list] : null;
}

/**
 * Build a new container record (not yet persisted).
 *
 * @param root The state root.
 * @param store The image store (or a lookup that remembers resolutions, and its layers).
 * @param req The create request.
 * @param name The requested name ("" for a random one, chosen by the caller).
 * @returns The record and the image.
 * @example
 * ```ts ignore
 * const { record } = await buildRecord(root, store, req, "web");
 * ```
 */
export async function buildRecord(
  root: string,
  store: Pick<Store, "resolve" | "layerFiles">,
  req: CreateRequest,
  name: string,
): Promise<{ record: ContainerRecord; image: StoredImage }> {
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidConfigError(
      `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  parseLogOptions(req.hostConfig.LogConfig.Config);
  const image = await store.resolve(req.config.Image);
  const ic = image.config.config ?? {};
  const userSpec = req.config.User || ic.User || "";
  const needFiles = userSpec !== "" && !/^\d+(:\d+)?$/.test(userSpec);
  const passwd = needFiles ? (await readImageFile(store, image, "/etc/passwd")) ?? "" : "";
  const group = needFiles ? (await readImageFile(store, image, "/etc/group")) ?? "" : "";
  const user = resolveUser(userSpec, passwd, group);
  const id = newContainerId();
  const spec = generateSpec(id, name, req, {
    Env: ic.Env,
    Entrypoint: ic.Entrypoint,
    Cmd: ic.Cmd,
    WorkingDir: ic.WorkingDir,
    User: ic.User,
    StopSignal: ic.StopSignal,
    Labels: ic.Labels,
  }, user);
  const dir = `${root}/containers/${id}`;
  const config = { ...req.config };
  config.Env = spec.process.env;
  config.Labels = { ...(ic.Labels ?? {}), ...req.config.Labels };
  // Copies: the image may be shared by other creates (image_lookup.ts).
  if (config.Cmd === null && req.config.Entrypoint === null) config.Cmd = copy(ic.Cmd);
  if (config.Entrypoint === null) config.Entrypoint = copy(ic.Entrypoint);
  if (!config.WorkingDir) config.WorkingDir = ic.WorkingDir ?? "";
  if (!config.StopSignal && ic.StopSignal) config.StopSignal = ic.StopSignal;
  if (!config.Hostname) config.Hostname = spec.hostname;
  const record: ContainerRecord = {
    Id: id,
    Name: `/${name.replace(/^\//, "")}`,
    Created: new Date().toISOString(),
    Image: image.id,
    ManifestDigest: image.manifestDigest,
    Path: spec.process.args[0]!,
    Args: spec.process.args.slice(1),
    Config: config,
    HostConfig: req.hostConfig,
    State: createdState(),
    RestartCount: 0,
    ManuallyStopped: false,
    LogPath: `${dir}/${id}-json.log`,
    HostnamePath: `${dir}/hostname`,
    Spec: spec,
  };
  return { record, image };
}
