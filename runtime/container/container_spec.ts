/**
 * The OCI runtime-spec `config.json` subset Berth honours, generated from an image's
 * config and a create request, as runc would receive it: `process` (args, env, cwd,
 * user, terminal, rlimits), `root` (readonly), `hostname`, `mounts`,
 * `linux.namespaces`, `linux.resources` (cpu shares/quota/period, memory limit, pids
 * limit) and `annotations`.
 *
 * @module
 */
import { type CreateRequest, InvalidConfigError, mountRequests } from "./container_config.ts";

/** The OCI spec version written. */
export const OCI_VERSION = "1.2.0";

/** An OCI mount. */
export interface OciMount {
  /** Path in the container. */
  destination: string;
  /** "proc" | "cgroup2" | "tmpfs" | "devtmpfs" | "bind" | "mqueue". */
  type: string;
  /** Host path (bind) or fs name. */
  source: string;
  /** Options ("ro", "rbind", "size=…", "mode=…"). */
  options?: string[];
}

/** `process` of the spec. */
export interface OciProcess {
  /** Allocate a terminal. */
  terminal: boolean;
  /** User and groups. */
  user: { uid: number; gid: number; additionalGids?: number[]; username?: string };
  /** argv. */
  args: string[];
  /** Environment. */
  env: string[];
  /** Working directory. */
  cwd: string;
  /** rlimits. */
  rlimits?: { type: string; soft: number; hard: number }[];
}

/** The spec. */
export interface OciSpec {
  /** Spec version. */
  ociVersion: string;
  /** The process. */
  process: OciProcess;
  /** Root file system. */
  root: { path: string; readonly: boolean };
  /** Hostname. */
  hostname: string;
  /** Mounts. */
  mounts: OciMount[];
  /** Annotations (Berth keeps the image and name here). */
  annotations: Record<string, string>;
  /** Linux section. */
  linux: {
    /** Namespaces: type plus optional path to join ("/proc/PID/ns/ipc"). */
    namespaces: { type: "pid" | "mount" | "ipc" | "uts" | "cgroup" | "network"; path?: string }[];
    /** Resources. */
    resources: {
      cpu?: { shares?: number; quota?: number; period?: number };
      memory?: { limit?: number };
      pids?: { limit?: number };
    };
    /** The cgroup path. */
    cgroupsPath: string;
  };
}

/** What the spec needs from the image config. */
export interface ImageRuntimeConfig {
  /** Image environment. */
  Env?: string[];
  /** Image entrypoint. */
  Entrypoint?: string[] | null;
  /** Image command. */
  Cmd?: string[] | null;
  /** Image working directory. */
  WorkingDir?: string;
  /** Image user. */
  User?: string;
  /** Image stop signal. */
  StopSignal?: string;
  /** Image labels. */
  Labels?: Record<string, string> | null;
  /** Image volumes. */
  Volumes?: Record<string, unknown> | null;
}

/** The default PATH, as Docker sets it when the image has none. */
export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Merge env lists: later entries override earlier by key.
 *
 * @param lists Env lists, lowest priority first.
 * @returns The merged list, first-seen order.
 * @example
 * ```ts
 * import { mergeEnv } from "./container_spec.ts";
 * console.assert(mergeEnv(["A=1", "B=2"], ["A=3"]).join() === "A=3,B=2");
 * ```
 */
export function mergeEnv(...lists: readonly (readonly string[])[]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) {
    for (const e of list) {
      const eq = e.indexOf("=");
      map.set(eq < 0 ? e : e.slice(0, eq), e);
    }
  }
  return [...map.values()];
}

/**
 * Resolve the argv as Docker does: `--entrypoint` replaces the image's entrypoint and
 * drops its cmd; a given cmd replaces the image's cmd.
 *
 * @param req The create request.
 * @param image The image config.
 * @returns argv (may be empty: the daemon then refuses with "no command specified").
 * @example
 * ```ts
 * import { resolveArgs } from "./container_spec.ts";
 * import { parseCreateRequest } from "./container_config.ts";
 * const req = parseCreateRequest({ Image: "x", Cmd: ["ls"] });
 * console.assert(resolveArgs(req, { Entrypoint: ["/bin/sh", "-c"], Cmd: ["x"] }).join(" ") === "/bin/sh -c ls");
 * ```
 */
export function resolveArgs(req: CreateRequest, image: ImageRuntimeConfig): string[] {
  const ep = req.config.Entrypoint !== null ? req.config.Entrypoint : (image.Entrypoint ?? []);
  const cmd = req.config.Cmd !== null
    ? req.config.Cmd
    : req.config.Entrypoint !== null
    ? []
    : (image.Cmd ?? []);
  return [...ep, ...cmd];
}

/**
 * Generate the spec.
 *
 * @param id Container id.
 * @param name Container name (without "/").
 * @param req The create request.
 * @param image The image config.
 * @param user The numeric user (resolved from /etc/passwd by the caller).
 * @returns The OCI spec.
 * @throws {InvalidConfigError} When there is no command.
 * @example
 * ```ts
 * import { generateSpec } from "./container_spec.ts";
 * import { parseCreateRequest } from "./container_config.ts";
 * const spec = generateSpec("abc", "web", parseCreateRequest({ Image: "x", Cmd: ["true"] }), {}, { uid: 0, gid: 0 });
 * console.assert(spec.process.args[0] === "true");
 * ```
 */
export function generateSpec(
  id: string,
  name: string,
  req: CreateRequest,
  image: ImageRuntimeConfig,
  user: { uid: number; gid: number; additionalGids?: number[] },
): OciSpec {
  const args = resolveArgs(req, image);
  if (args.length === 0) throw new InvalidConfigError("no command specified");
  const hc = req.hostConfig;
  const env = mergeEnv([DEFAULT_PATH], image.Env ?? [], req.config.Env);
  if (!env.some((e) => e.startsWith("HOSTNAME="))) {
    env.unshift(`HOSTNAME=${req.config.Hostname || id.slice(0, 12)}`);
  }
  if (req.config.Tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  if (!env.some((e) => e.startsWith("HOME="))) env.push(user.uid === 0 ? "HOME=/root" : "HOME=/");
  const mounts: OciMount[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "devtmpfs", source: "dev", options: ["nosuid", "mode=755"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec"] },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"],
    },
    {
      destination: "/dev/mqueue",
      type: "mqueue",
      source: "mqueue",
      options: ["nosuid", "noexec", "nodev"],
    },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup2",
      source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
    },
  ];
  for (const m of mountRequests(hc)) {
    if (m.type === "bind") {
      mounts.push({
        destination: m.target,
        type: "bind",
        source: m.source,
        options: ["rbind", m.readOnly ? "ro" : "rw"],
      });
    } else {
      const options = ["nosuid", "nodev"];
      if (m.sizeBytes !== undefined) options.push(`size=${m.sizeBytes}`);
      if (m.mode !== undefined) options.push(`mode=${m.mode.toString(8)}`);
      mounts.push({ destination: m.target, type: "tmpfs", source: "tmpfs", options });
    }
  }
  const namespaces: OciSpec["linux"]["namespaces"] = [{ type: "mount" }, { type: "cgroup" }, {
    type: "network",
  }];
  if (hc.PidMode !== "host") {
    namespaces.push(
      hc.PidMode.startsWith("container:") ? { type: "pid", path: hc.PidMode } : { type: "pid" },
    );
  }
  if (hc.IpcMode !== "host") {
    namespaces.push(
      hc.IpcMode.startsWith("container:") ? { type: "ipc", path: hc.IpcMode } : { type: "ipc" },
    );
  }
  if (hc.UTSMode !== "host") namespaces.push({ type: "uts" });
  const resources: OciSpec["linux"]["resources"] = {};
  const period = hc.CpuPeriod || 100_000;
  if (hc.NanoCpus > 0) resources.cpu = { quota: Math.round((hc.NanoCpus / 1e9) * period), period };
  else if (hc.CpuQuota > 0) resources.cpu = { quota: hc.CpuQuota, period };
  if (hc.CpuShares > 0) resources.cpu = { ...(resources.cpu ?? {}), shares: hc.CpuShares };
  if (hc.Memory > 0) resources.memory = { limit: hc.Memory };
  if (hc.PidsLimit !== null && hc.PidsLimit > 0) resources.pids = { limit: hc.PidsLimit };
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: req.config.Tty,
      user: {
        uid: user.uid,
        gid: user.gid,
        additionalGids: user.additionalGids,
        username: req.config.User || image.User || undefined,
      },
      args,
      env,
      cwd: req.config.WorkingDir || image.WorkingDir || "/",
      rlimits: [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 1024 }],
    },
    root: { path: "rootfs", readonly: hc.ReadonlyRootfs },
    hostname: req.config.Hostname || id.slice(0, 12),
    mounts,
    annotations: {
      "org.opencontainers.image.ref.name": req.config.Image,
      "io.berth.container.name": name,
      ...req.config.Labels,
    },
    linux: { namespaces, resources, cgroupsPath: `/berth/${id}` },
  };
}

/**
 * Cgroup v2 values (`cpu.max`, `cpu.weight`, `memory.max`, `pids.max`) from spec resources,
 * with runc's shares → weight conversion.
 *
 * @param r The resources.
 * @returns The file values to write.
 * @example
 * ```ts
 * import { cgroupValues } from "./container_spec.ts";
 * console.assert(cgroupValues({ memory: { limit: 1024 } })["memory.max"] === "1024");
 * ```
 */
export function cgroupValues(r: OciSpec["linux"]["resources"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.cpu?.quota !== undefined && r.cpu.quota > 0) {
    out["cpu.max"] = `${r.cpu.quota} ${r.cpu.period ?? 100000}`;
  }
  if (r.cpu?.shares !== undefined && r.cpu.shares > 0) {
    out["cpu.weight"] = String(
      Math.max(1, Math.min(10000, 1 + Math.round(((r.cpu.shares - 2) * 9999) / 262142))),
    );
  }
  if (r.memory?.limit !== undefined && r.memory.limit > 0) {
    out["memory.max"] = String(r.memory.limit);
  }
  if (r.pids?.limit !== undefined && r.pids.limit > 0) out["pids.max"] = String(r.pids.limit);
  return out;
}
