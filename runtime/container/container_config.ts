/**
 * The create request of Docker's Engine API (`POST /containers/create`): `Config`
 * fields at the top level plus `HostConfig`, read from untrusted JSON with type checks
 * (a wrong type is a 400 with the field's name) into the subset Berth honours.
 *
 * @module
 */

/** A bad create request: the daemon answers 400 with the message. */
export class InvalidConfigError extends Error {
  /** HTTP status for the daemon. */
  readonly httpStatus = 400;
  /**
   * Create it.
   *
   * @param message What is wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "InvalidConfigError";
  }
}

/** A mount of the container (from `-v`, `--mount`, `--tmpfs`). */
export type MountRequest =
  | { type: "bind"; source: string; target: string; readOnly: boolean }
  | { type: "tmpfs"; target: string; sizeBytes?: number; mode?: number };

/** Restart policy (`--restart`). */
export interface RestartPolicy {
  /** "no" | "always" | "unless-stopped" | "on-failure". */
  Name: "" | "no" | "always" | "unless-stopped" | "on-failure";
  /** For on-failure: retries (0 = unlimited). */
  MaximumRetryCount: number;
}

/** Docker's container `Config` (the fields Berth honours and reports). */
export interface ContainerConfig {
  /** Hostname. */
  Hostname: string;
  /** Domain name. */
  Domainname: string;
  /** User. */
  User: string;
  /** Attach stdin. */
  AttachStdin: boolean;
  /** Attach stdout. */
  AttachStdout: boolean;
  /** Attach stderr. */
  AttachStderr: boolean;
  /** Allocate a TTY. */
  Tty: boolean;
  /** Keep stdin open. */
  OpenStdin: boolean;
  /** Close stdin after the first attach ends. */
  StdinOnce: boolean;
  /** Environment. */
  Env: string[];
  /** Command. */
  Cmd: string[] | null;
  /** Entrypoint. */
  Entrypoint: string[] | null;
  /** Image as given. */
  Image: string;
  /** Labels. */
  Labels: Record<string, string>;
  /** Working directory. */
  WorkingDir: string;
  /** Stop signal. */
  StopSignal?: string;
  /** Stop timeout (s). */
  StopTimeout?: number;
  /** Volumes (anonymous). */
  Volumes: Record<string, Record<string, never>> | null;
}

/** Docker's `HostConfig` subset. */
export interface HostConfig {
  /** `-v src:dst[:ro]`. */
  Binds: string[] | null;
  /** `--mount`. */
  Mounts: {
    Type: string;
    Source?: string;
    Target: string;
    ReadOnly?: boolean;
    TmpfsOptions?: { SizeBytes?: number; Mode?: number };
  }[];
  /** `--tmpfs path:opts`. */
  Tmpfs: Record<string, string>;
  /** `--read-only`. */
  ReadonlyRootfs: boolean;
  /** Memory limit bytes (0 = none). */
  Memory: number;
  /** Accepted, ignored (no swap). */
  MemorySwap: number;
  /** CPUs × 1e9. */
  NanoCpus: number;
  /** Relative weight (1024 = default). */
  CpuShares: number;
  /** CFS quota µs. */
  CpuQuota: number;
  /** CFS period µs. */
  CpuPeriod: number;
  /** Pids limit (0/-1 = none). */
  PidsLimit: number | null;
  /** "private" | "shareable" | "container:X" | "host". */
  IpcMode: string;
  /** "" | "container:X" | "host". */
  PidMode: string;
  /** "" | "host". */
  UTSMode: string;
  /** Restart policy. */
  RestartPolicy: RestartPolicy;
  /** `--rm`. */
  AutoRemove: boolean;
  /** `--init`. */
  Init: boolean | null;
  /** Log driver config. */
  LogConfig: { Type: string; Config: Record<string, string> };
  /** Network mode (only "none"/"default" accepted). */
  NetworkMode: string;
}

/** A parsed create request. */
export interface CreateRequest {
  /** Container config. */
  config: ContainerConfig;
  /** Host config. */
  hostConfig: HostConfig;
}

const CONFIG_KEYS = new Set([
  "Hostname",
  "Domainname",
  "User",
  "AttachStdin",
  "AttachStdout",
  "AttachStderr",
  "ExposedPorts",
  "Tty",
  "OpenStdin",
  "StdinOnce",
  "Env",
  "Cmd",
  "Healthcheck",
  "ArgsEscaped",
  "Image",
  "Volumes",
  "WorkingDir",
  "Entrypoint",
  "NetworkDisabled",
  "MacAddress",
  "OnBuild",
  "Labels",
  "StopSignal",
  "StopTimeout",
  "Shell",
  "HostConfig",
  "NetworkingConfig",
  "Platform",
]);

/** A JSON object as the Engine API sends it. */
export type Json = Record<string, unknown>;

function field<T>(
  obj: Json,
  key: string,
  where: string,
  check: (v: unknown) => v is T,
  what: string,
): T | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) {
    throw new InvalidConfigError(
      `json: cannot unmarshal ${jsonType(v)} into Go struct field ${where}.${key} of type ${what}`,
    );
  }
  return v;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v;
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isInt = (v: unknown): v is number => isNum(v) && Number.isInteger(v);
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const isStrMap = (v: unknown): v is Record<string, string> =>
  isObj(v) && Object.values(v).every(isStr);
/** Docker accepts a string for Cmd/Entrypoint too (one word list). */
const isStrOrList = (v: unknown): v is string | string[] => isStr(v) || isStrList(v);

/**
 * Parse and check a create request body.
 *
 * @param body The JSON object.
 * @returns The request with defaults filled in.
 * @throws {InvalidConfigError} Unknown top-level fields or wrong types.
 * @example
 * ```ts
 * import { parseCreateRequest } from "./container_config.ts";
 * const r = parseCreateRequest({ Image: "berth/base", Cmd: ["true"] });
 * console.assert(r.config.Cmd?.[0] === "true");
 * ```
 */
export function parseCreateRequest(body: Json): CreateRequest {
  for (const k of Object.keys(body)) {
    if (!CONFIG_KEYS.has(k)) {
      throw new InvalidConfigError(`unknown field "${k}" in the container config`);
    }
  }
  const W = "container.Config";
  const image = field(body, "Image", W, isStr, "string");
  if (!image) throw new InvalidConfigError('no image specified: the config needs "Image"');
  const cmd = field(body, "Cmd", W, isStrOrList, "strslice.StrSlice");
  const ep = field(body, "Entrypoint", W, isStrOrList, "strslice.StrSlice");
  const env = field(body, "Env", W, isStrList, "[]string") ?? [];
  for (const e of env) {
    if (e === "" || e.startsWith("=")) {
      throw new InvalidConfigError(`invalid environment variable: "${e}"`);
    }
  }
  const stopTimeout = field(body, "StopTimeout", W, isInt, "int");
  const volumes = field(body, "Volumes", W, isObj, "map[string]struct {}");
  const config: ContainerConfig = {
    Hostname: field(body, "Hostname", W, isStr, "string") ?? "",
    Domainname: field(body, "Domainname", W, isStr, "string") ?? "",
    User: field(body, "User", W, isStr, "string") ?? "",
    AttachStdin: field(body, "AttachStdin", W, isBool, "bool") ?? false,
    AttachStdout: field(body, "AttachStdout", W, isBool, "bool") ?? false,
    AttachStderr: field(body, "AttachStderr", W, isBool, "bool") ?? false,
    Tty: field(body, "Tty", W, isBool, "bool") ?? false,
    OpenStdin: field(body, "OpenStdin", W, isBool, "bool") ?? false,
    StdinOnce: field(body, "StdinOnce", W, isBool, "bool") ?? false,
    Env: env,
    Cmd: cmd === undefined ? null : typeof cmd === "string" ? [cmd] : cmd,
    Entrypoint: ep === undefined ? null : typeof ep === "string" ? (ep === "" ? [] : [ep]) : ep,
    Image: image,
    Labels: field(body, "Labels", W, isStrMap, "map[string]string") ?? {},
    WorkingDir: field(body, "WorkingDir", W, isStr, "string") ?? "",
    StopSignal: field(body, "StopSignal", W, isStr, "string"),
    StopTimeout: stopTimeout,
    Volumes: volumes
      ? (Object.fromEntries(Object.keys(volumes).map((k) => [k, {}])) as Record<
        string,
        Record<string, never>
      >)
      : null,
  };
  if (config.WorkingDir !== "" && !config.WorkingDir.startsWith("/")) {
    throw new InvalidConfigError(
      `the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  if (config.Hostname.length > 64) {
    throw new InvalidConfigError("invalid hostname: longer than 64 characters");
  }
  const hc = field(body, "HostConfig", W, isObj, "container.HostConfig") ?? {};
  return { config, hostConfig: parseHostConfig(hc) };
}

function parseHostConfig(hc: Json): HostConfig {
  const W = "container.HostConfig";
  const restart = field(hc, "RestartPolicy", W, isObj, "container.RestartPolicy") ?? {};
  const rName = field(restart, "Name", "container.RestartPolicy", isStr, "string") ?? "";
  if (!["", "no", "always", "unless-stopped", "on-failure"].includes(rName)) {
    throw new InvalidConfigError(
      `invalid restart policy: unknown policy '${rName}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
    );
  }
  const retries = field(restart, "MaximumRetryCount", "container.RestartPolicy", isInt, "int") ?? 0;
  if (retries < 0) {
    throw new InvalidConfigError("invalid restart policy: maximum retry count cannot be negative");
  }
  if (retries > 0 && rName !== "on-failure") {
    throw new InvalidConfigError(
      `invalid restart policy: maximum retry count can only be used with 'on-failure'`,
    );
  }
  const autoRemove = field(hc, "AutoRemove", W, isBool, "bool") ?? false;
  if (autoRemove && rName !== "" && rName !== "no") {
    throw new InvalidConfigError("conflicting options: cannot specify both --restart and --rm");
  }
  const mounts = field(hc, "Mounts", W, (v): v is unknown[] => Array.isArray(v), "[]mount.Mount") ??
    [];
  const logConfig = field(hc, "LogConfig", W, isObj, "container.LogConfig") ?? {};
  const logType = field(logConfig, "Type", "container.LogConfig", isStr, "string") ?? "";
  if (logType !== "" && logType !== "json-file") {
    throw new InvalidConfigError(
      `logging driver "${logType}" is not supported: Berth has json-file only`,
    );
  }
  const nonNeg = (key: string) => {
    const v = field(hc, key, W, isInt, "int64") ?? 0;
    if (v < 0 && key !== "MemorySwap" && key !== "CpuQuota") {
      throw new InvalidConfigError(`invalid ${key}: cannot be negative`);
    }
    return v;
  };
  const memory = nonNeg("Memory");
  if (memory > 0 && memory < 6 * 1024 * 1024) {
    throw new InvalidConfigError("Minimum memory limit allowed is 6MB");
  }
  const cpuPeriod = nonNeg("CpuPeriod");
  if (cpuPeriod !== 0 && (cpuPeriod < 1000 || cpuPeriod > 1_000_000)) {
    throw new InvalidConfigError(
      "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
    );
  }
  const cpuQuota = nonNeg("CpuQuota");
  if (cpuQuota > 0 && cpuQuota < 1000) {
    throw new InvalidConfigError("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  }
  const nano = nonNeg("NanoCpus");
  if (nano > 0 && (cpuPeriod > 0 || cpuQuota > 0)) {
    throw new InvalidConfigError(
      "Conflicting options: Nano CPUs and CPU Period cannot both be set",
    );
  }
  const net = field(hc, "NetworkMode", W, isStr, "string") ?? "";
  if (!["", "default", "none", "bridge"].includes(net)) {
    throw new InvalidConfigError(
      `network mode "${net}" is not supported: Berth has no networking yet`,
    );
  }
  const ipc = field(hc, "IpcMode", W, isStr, "string") ?? "";
  if (!/^(|private|shareable|none|host|container:.+)$/.test(ipc)) {
    throw new InvalidConfigError(`invalid IPC mode: ${ipc}`);
  }
  const pid = field(hc, "PidMode", W, isStr, "string") ?? "";
  if (!/^(|private|host|container:.+)$/.test(pid)) {
    throw new InvalidConfigError(`invalid PID mode: ${pid}`);
  }
  const uts = field(hc, "UTSMode", W, isStr, "string") ?? "";
  if (!/^(|private|host)$/.test(uts)) throw new InvalidConfigError(`invalid UTS mode: ${uts}`);
  return {
    Binds: field(hc, "Binds", W, isStrList, "[]string") ?? null,
    Mounts: mounts.map((m, i) => {
      if (!isObj(m)) throw new InvalidConfigError(`invalid mount #${i}: not an object`);
      const t = field(m, "Type", "mount.Mount", isStr, "mount.Type") ?? "";
      const target = field(m, "Target", "mount.Mount", isStr, "string") ?? "";
      if (t !== "bind" && t !== "tmpfs") {
        throw new InvalidConfigError(
          `invalid mount config for type "${t}": Berth supports bind and tmpfs mounts`,
        );
      }
      if (!target.startsWith("/")) {
        throw new InvalidConfigError(
          `invalid mount config for type "${t}": invalid mount path: '${target}' mount path must be absolute`,
        );
      }
      const tmpfs = field(m, "TmpfsOptions", "mount.Mount", isObj, "mount.TmpfsOptions");
      return {
        Type: t,
        Source: field(m, "Source", "mount.Mount", isStr, "string"),
        Target: target,
        ReadOnly: field(m, "ReadOnly", "mount.Mount", isBool, "bool"),
        TmpfsOptions: tmpfs
          ? {
            SizeBytes: field(tmpfs, "SizeBytes", "mount.TmpfsOptions", isInt, "int64"),
            Mode: field(tmpfs, "Mode", "mount.TmpfsOptions", isInt, "os.FileMode"),
          }
          : undefined,
      };
    }),
    Tmpfs: field(hc, "Tmpfs", W, isStrMap, "map[string]string") ?? {},
    ReadonlyRootfs: field(hc, "ReadonlyRootfs", W, isBool, "bool") ?? false,
    Memory: memory,
    MemorySwap: field(hc, "MemorySwap", W, isInt, "int64") ?? 0,
    NanoCpus: nano,
    CpuShares: nonNeg("CpuShares"),
    CpuQuota: cpuQuota,
    CpuPeriod: cpuPeriod,
    PidsLimit: field(hc, "PidsLimit", W, isInt, "int64") ?? null,
    // Docker's daemon default (`--default-ipc-mode private`) is recorded, as inspect shows.
    IpcMode: ipc || "private",
    PidMode: pid,
    UTSMode: uts,
    RestartPolicy: { Name: rName as RestartPolicy["Name"], MaximumRetryCount: retries },
    AutoRemove: autoRemove,
    Init: field(hc, "Init", W, isBool, "bool") ?? null,
    LogConfig: {
      Type: "json-file",
      Config: field(logConfig, "Config", "container.LogConfig", isStrMap, "map[string]string") ??
        {},
    },
    NetworkMode: net === "" ? "none" : net,
  };
}

/**
 * Turn `-v`/`--mount`/`--tmpfs` into mount requests.
 *
 * @param hc Host config.
 * @returns Mounts in order.
 * @throws {InvalidConfigError} On a malformed bind.
 * @example
 * ```ts
 * import { mountRequests, parseCreateRequest } from "./container_config.ts";
 * const r = parseCreateRequest({ Image: "x", HostConfig: { Binds: ["/tmp:/data:ro"] } });
 * console.assert(mountRequests(r.hostConfig)[0]?.type === "bind");
 * ```
 */
export function mountRequests(hc: HostConfig): MountRequest[] {
  const out: MountRequest[] = [];
  for (const bind of hc.Binds ?? []) {
    const parts = bind.split(":");
    if (parts.length < 2 || parts.length > 3) {
      throw new InvalidConfigError(`invalid volume specification: '${bind}'`);
    }
    const [source, target, mode = "rw"] = parts as [string, string, string?];
    if (!source.startsWith("/")) {
      throw new InvalidConfigError(
        `invalid volume specification: '${bind}': named volumes are not supported yet; give an absolute host path`,
      );
    }
    if (!target.startsWith("/")) {
      throw new InvalidConfigError(
        `invalid volume specification: '${bind}': mount path must be absolute`,
      );
    }
    const opts = mode.split(",");
    if (
      !opts.every((o) =>
        ["ro", "rw", "z", "Z", "rprivate", "private", "rslave", "slave", "shared", "rshared"]
          .includes(o)
      )
    ) {
      throw new InvalidConfigError(`invalid mode: ${mode}`);
    }
    out.push({ type: "bind", source, target, readOnly: opts.includes("ro") });
  }
  for (const m of hc.Mounts) {
    if (m.Type === "bind") {
      if (!m.Source?.startsWith("/")) {
        throw new InvalidConfigError(
          `invalid mount config for type "bind": source path must be absolute`,
        );
      }
      out.push({ type: "bind", source: m.Source, target: m.Target, readOnly: m.ReadOnly ?? false });
    } else {
      out.push({
        type: "tmpfs",
        target: m.Target,
        sizeBytes: m.TmpfsOptions?.SizeBytes,
        mode: m.TmpfsOptions?.Mode,
      });
    }
  }
  for (const [target, optText] of Object.entries(hc.Tmpfs)) {
    if (!target.startsWith("/")) {
      throw new InvalidConfigError(`invalid tmpfs path '${target}': must be absolute`);
    }
    let sizeBytes: number | undefined;
    let mode: number | undefined;
    for (const opt of optText.split(",").filter((o) => o !== "")) {
      const [k, v = ""] = opt.split("=");
      if (k === "size") sizeBytes = parseByteSize(v);
      else if (k === "mode") mode = parseInt(v, 8);
    }
    out.push({ type: "tmpfs", target, sizeBytes, mode });
  }
  return out;
}

/**
 * Parse Docker's byte sizes ("512m", "1g", "100k", "1024").
 *
 * @param text The size.
 * @returns Bytes.
 * @throws {InvalidConfigError} If unparseable.
 * @example
 * ```ts
 * import { parseByteSize } from "./container_config.ts";
 * console.assert(parseByteSize("1m") === 1048576);
 * ```
 */
export function parseByteSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new InvalidConfigError(`invalid size: '${text}'`);
  const mul =
    { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * mul);
}
