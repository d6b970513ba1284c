/**
 * `berth/base`: the base image Berth generates itself (no download), BusyBox-style.
 *
 * - `/bin/berthbox`: a regular file (0755) whose content starts with the 8 bytes
 *   `BERTHBOX`; the kernel's exec recognises it and dispatches on `argv[0]`.
 * - `/bin/<applet>` → `/bin/berthbox` (symlinks) for each applet, plus
 *   `/usr/bin/env` → `/bin/berthbox`.
 * - `/etc/passwd` (root, nobody), `/etc/group` (root, nogroup), `/etc/hostname`,
 *   `/tmp` (1777), `/root` (0700), and the usual mount points (`/dev`, `/proc`, `/sys`).
 * - Config: `Cmd ["/bin/sh"]`, `Env PATH=/usr/local/sbin:…:/bin`, platform
 *   `wasi/wasm` (the platform Berth runs natively: its programs are builtins and WASI
 *   modules, never host ELF binaries), created at the epoch.
 *
 * Everything is fixed (uid/gid 0, mtime 0, sorted entries, canonical JSON), so the same
 * applet list gives the same image digest on every machine.
 *
 * @module
 */
import type { Store, StoredImage } from "../store/store.ts";
import type { ImageConfig } from "../store/media_types.ts";
import { type LayerChange, storeLayer } from "../layer/layer_writer.ts";

/** The base image's reference. */
export const BASE_IMAGE = "berth/base:latest";
/** The first bytes of `/bin/berthbox`. */
export const BERTHBOX_MAGIC = "BERTHBOX";
/** Label listing the applets the base image was made with. */
export const BASE_APPLETS_LABEL = "io.berth.base.applets";
/** PATH of the base image. */
export const BASE_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const EPOCH = "1970-01-01T00:00:00Z";

/**
 * The change set of the base image's single layer.
 *
 * @param applets Applet names (e.g. `sh`, `ls`).
 * @returns The changes.
 * @example
 * ```ts
 * import { baseImageChanges } from "./base_image.ts";
 * const c = baseImageChanges(["sh"]);
 * console.assert(c.some((x) => x.path === "/bin/sh"));
 * ```
 */
export function baseImageChanges(applets: readonly string[]): LayerChange[] {
  const list = normaliseApplets(applets);
  const dir = (path: string, mode = 0o755): LayerChange => ({ type: "dir", path, mode });
  const file = (path: string, data: string, mode = 0o644): LayerChange => ({
    type: "file",
    path,
    data,
    mode,
  });
  const changes: LayerChange[] = [
    dir("/bin"),
    dir("/dev"),
    dir("/etc"),
    dir("/home"),
    dir("/proc"),
    dir("/root", 0o700),
    dir("/run"),
    dir("/sys"),
    dir("/tmp", 0o1777),
    dir("/usr"),
    dir("/usr/bin"),
    dir("/usr/local"),
    dir("/usr/local/bin"),
    dir("/var"),
    file(
      "/bin/berthbox",
      `${BERTHBOX_MAGIC}\nBerth multi-call userland: the kernel runs the applet named by argv[0].\n`,
      0o755,
    ),
    file(
      "/etc/passwd",
      "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    ),
    file("/etc/group", "root:x:0:\nnogroup:x:65534:\n"),
    file("/etc/hostname", "berth\n"),
  ];
  for (const a of list) {
    if (a === "berthbox") continue;
    changes.push({ type: "symlink", path: `/bin/${a}`, target: "/bin/berthbox" });
  }
  changes.push({ type: "symlink", path: "/usr/bin/env", target: "/bin/berthbox" });
  return changes;
}

function normaliseApplets(applets: readonly string[]): string[] {
  const out = [...new Set(applets)].sort();
  for (const a of out) {
    if (!/^[A-Za-z0-9_.+-]+$/.test(a) || a === "." || a === "..") {
      throw new Error(`Invalid applet name "${a}"`);
    }
  }
  return out;
}

/**
 * Make sure `berth/base` exists for this applet list; build it when missing or made for
 * another list.
 *
 * @param store The store.
 * @param options The applets the kernel's userland provides.
 * @returns The base image.
 * @example
 * ```ts ignore
 * const base = await ensureBaseImage(store, { applets: ["sh", "ls", "cat"] });
 * ```
 */
export async function ensureBaseImage(
  store: Store,
  options: { applets: readonly string[] },
): Promise<StoredImage> {
  const list = normaliseApplets(options.applets);
  const label = list.join(",");
  const existing = await store.find(BASE_IMAGE);
  if (existing && existing.config.config?.Labels?.[BASE_APPLETS_LABEL] === label) return existing;
  return await store.withIngest(() => buildBase(store, list, label));
}

async function buildBase(store: Store, list: string[], label: string): Promise<StoredImage> {
  const layer = await storeLayer(store, baseImageChanges(list), {
    sourceDateEpoch: 0,
    uid: 0,
    gid: 0,
  });
  const config: ImageConfig = {
    created: EPOCH,
    architecture: "wasm",
    os: "wasi",
    config: {
      Env: [BASE_PATH],
      Cmd: ["/bin/sh"],
      Labels: { [BASE_APPLETS_LABEL]: label },
    },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{
      created: EPOCH,
      created_by: `berth: generated base image (berthbox with ${list.length} applets)`,
    }],
  };
  return await store.putImage(config, [layer], [BASE_IMAGE]);
}
