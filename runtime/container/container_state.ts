/**
 * A container's persisted record: its config, OCI spec and state, written atomically
 * (temp file, fsync, rename) under `$BERTH_ROOT/containers/<id>/container.json`, with
 * the spec beside it as `config.json` (an OCI bundle's file).
 *
 * @module
 */
import type { ContainerConfig, HostConfig } from "./container_config.ts";
import type { OciSpec } from "./container_spec.ts";

/** Lifecycle states, as Docker names them. */
export type ContainerStatus =
  | "created"
  | "running"
  | "paused"
  | "restarting"
  | "removing"
  | "exited"
  | "dead";

/** Docker's `State` object. */
export interface ContainerState {
  /** The status word. */
  Status: ContainerStatus;
  /** Running (also while paused). */
  Running: boolean;
  /** Paused. */
  Paused: boolean;
  /** Restarting. */
  Restarting: boolean;
  /** Killed by the OOM killer. */
  OOMKilled: boolean;
  /** Dead. */
  Dead: boolean;
  /** Host-visible pid of the init (the kernel's global pid); 0 when not running. */
  Pid: number;
  /** Exit code of the last run. */
  ExitCode: number;
  /** Error text of a failed start. */
  Error: string;
  /** RFC 3339 start time ("0001-01-01T00:00:00Z" if never). */
  StartedAt: string;
  /** RFC 3339 finish time. */
  FinishedAt: string;
}

/** Everything the daemon keeps about a container. */
export interface ContainerRecord {
  /** 64 hex digits. */
  Id: string;
  /** Name with Docker's leading "/". */
  Name: string;
  /** RFC 3339 creation time. */
  Created: string;
  /** Image ID (config digest). */
  Image: string;
  /** Manifest digest (for the layer list). */
  ManifestDigest: string;
  /** argv[0]. */
  Path: string;
  /** argv[1..]. */
  Args: string[];
  /** Config. */
  Config: ContainerConfig;
  /** Host config. */
  HostConfig: HostConfig;
  /** State. */
  State: ContainerState;
  /** Times restarted by the policy. */
  RestartCount: number;
  /** Set by `stop`/`kill` from the user: restart policies leave it stopped. */
  ManuallyStopped: boolean;
  /** Log file. */
  LogPath: string;
  /** Hostname file path (informational). */
  HostnamePath: string;
  /** The OCI spec. */
  Spec: OciSpec;
}

/** The zero time Docker reports for "never". */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * A fresh "created" state.
 *
 * @returns The state.
 * @example
 * ```ts
 * import { createdState } from "./container_state.ts";
 * console.assert(createdState().Status === "created");
 * ```
 */
export function createdState(): ContainerState {
  return {
    Status: "created",
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: "",
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

/**
 * Whether a state can be started.
 *
 * @param s The state.
 * @returns True for created/exited.
 * @example
 * ```ts
 * import { canStart, createdState } from "./container_state.ts";
 * console.assert(canStart(createdState()));
 * ```
 */
export function canStart(s: ContainerState): boolean {
  return s.Status === "created" || s.Status === "exited" || s.Status === "dead";
}

/**
 * Write a file atomically: temp file in the same directory, fsync, rename.
 *
 * @param path Destination.
 * @param data Contents.
 * @param durable fsync before the rename (a crash then keeps the new contents, not only
 *   a whole file); states that a restart recomputes anyway ("running") skip it.
 * @example
 * ```ts ignore
 * atomicWrite("/root/containers/ID/container.json", JSON.stringify(record));
 * ```
 */
export function atomicWrite(path: string, data: string | Uint8Array, durable = true): void {
  const tmp = `${path}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2)}`;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    if (durable) file.syncSync();
  } finally {
    file.close();
  }
  Deno.renameSync(tmp, path);
}

/**
 * Persist a record and its spec.
 *
 * @param dir The container's directory.
 * @param record The record.
 * @param durable fsync it (see {@link atomicWrite}).
 * @example
 * ```ts ignore
 * saveRecord(`${root}/containers/${id}`, record);
 * ```
 */
export function saveRecord(dir: string, record: ContainerRecord, durable = true): void {
  atomicWrite(`${dir}/container.json`, JSON.stringify(record), durable);
}

/**
 * Persist the spec (`config.json`, as an OCI bundle has it).
 *
 * @param dir The container's directory.
 * @param spec The spec.
 * @example
 * ```ts ignore
 * saveSpec(dir, record.Spec);
 * ```
 */
export function saveSpec(dir: string, spec: OciSpec): void {
  // Derived from the record (which is durable): a torn-free write is enough.
  atomicWrite(`${dir}/config.json`, JSON.stringify(spec, null, 2), false);
}

/**
 * Load a record.
 *
 * @param dir The container's directory.
 * @returns The record, or undefined if missing or torn (a crash before rename never tears it).
 * @example
 * ```ts ignore
 * const rec = await loadRecord(dir);
 * ```
 */
export async function loadRecord(dir: string): Promise<ContainerRecord | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/container.json`)) as ContainerRecord;
  } catch {
    return undefined;
  }
}

const ADJECTIVES = [
  "admiring",
  "agile",
  "amazing",
  "bold",
  "brave",
  "calm",
  "clever",
  "cool",
  "dazzling",
  "eager",
  "elastic",
  "epic",
  "festive",
  "focused",
  "gallant",
  "gifted",
  "happy",
  "hopeful",
  "jolly",
  "keen",
  "kind",
  "lucid",
  "modest",
  "nifty",
  "nimble",
  "optimistic",
  "pensive",
  "quirky",
  "relaxed",
  "serene",
  "sharp",
  "stoic",
  "sweet",
  "tender",
  "trusting",
  "upbeat",
  "vibrant",
  "wizardly",
  "zen",
];
const NOUNS = [
  "albatross",
  "anchor",
  "barge",
  "beacon",
  "buoy",
  "capstan",
  "clipper",
  "compass",
  "cutter",
  "dinghy",
  "dory",
  "ferry",
  "galleon",
  "harbor",
  "hull",
  "jetty",
  "keel",
  "ketch",
  "lighthouse",
  "mast",
  "mooring",
  "pier",
  "pilot",
  "quay",
  "rudder",
  "schooner",
  "sextant",
  "skiff",
  "sloop",
  "tender",
  "tugboat",
  "wharf",
  "yawl",
];

/**
 * A random name in Docker's adjective_noun style.
 *
 * @param taken Names in use (without "/").
 * @returns A free name.
 * @example
 * ```ts
 * import { randomName } from "./container_state.ts";
 * console.assert(/^[a-z]+_[a-z]+\d*$/.test(randomName(new Set())));
 * ```
 */
export function randomName(taken: ReadonlySet<string>): string {
  for (let i = 0;; i++) {
    const a = ADJECTIVES[Math.floor(Math.random() * ADJECTIVES.length)]!;
    const n = NOUNS[Math.floor(Math.random() * NOUNS.length)]!;
    const name = i < 10 ? `${a}_${n}` : `${a}_${n}${i}`;
    if (!taken.has(name)) return name;
  }
}

/** Docker's container name rule. */
export const NAME_PATTERN: RegExp = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * A new container id: 64 random hex digits.
 *
 * @returns The id.
 * @example
 * ```ts
 * import { newContainerId } from "./container_state.ts";
 * console.assert(newContainerId().length === 64);
 * ```
 */
export function newContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
