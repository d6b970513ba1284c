/**
 * `--ipc container:X` and `--pid container:X`: which other container's namespaces a
 * container joins, checked as Docker checks them — the container must exist when this
 * one is created, and must be running (and, for IPC, shareable) when this one starts.
 * The result names the other container's main process; the runtime joins its namespaces
 * (see `NamespaceJoins`).
 *
 * @module
 */
import type { HostConfig } from "./container_config.ts";
import type { NamespaceJoins } from "./container_runtime.ts";
import type { OciSpec } from "./container_spec.ts";

/** What a join needs to know of another container. */
export interface JoinCandidate {
  /** Full id. */
  id: string;
  /** Its `HostConfig.IpcMode`. */
  ipcMode: string;
  /** Host pid of its main process while it runs (undefined when it does not). */
  pid?: number;
  /** Whether a restart policy is restarting it. */
  restarting: boolean;
}

/** Finds a container by name or id; throws (Docker's "No such container") when none. */
export type JoinLookup = (ref: string) => JoinCandidate;

/** The container a mode such as "container:web" names, or undefined. */
function targetOf(mode: string): string | undefined {
  return mode.startsWith("container:") ? mode.slice("container:".length) : undefined;
}

/** A 400 with the lookup's message (Docker answers a missing donor as a bad parameter). */
function badParameter(err: unknown): Error {
  return Object.assign(new Error((err as Error).message), { httpStatus: 400 });
}

/**
 * Check at create time that the containers named by `IpcMode`/`PidMode` exist.
 *
 * @param hc The new container's host config.
 * @param lookup Finds containers.
 * @throws {Error} 400 "No such container: X" when one does not exist.
 * @example
 * ```ts
 * import { checkJoinTargets } from "./container_join.ts";
 * let threw = false;
 * try {
 *   checkJoinTargets({ IpcMode: "container:db", PidMode: "" }, () => {
 *     throw new Error("No such container: db");
 *   });
 * } catch { threw = true; }
 * console.assert(threw);
 * ```
 */
export function checkJoinTargets(
  hc: Pick<HostConfig, "IpcMode" | "PidMode">,
  lookup: JoinLookup,
): void {
  for (const mode of [hc.IpcMode, hc.PidMode]) {
    const ref = targetOf(mode);
    if (ref === undefined) continue;
    try {
      lookup(ref);
    } catch (err) {
      throw badParameter(err);
    }
  }
}

/**
 * The namespaces to join at start: the other containers must be running, not
 * restarting, and an IPC donor must be shareable (`--ipc shareable`, or itself joined to a
 * shareable one, or `host`), as with Docker's default `private` IPC mode.
 *
 * @param hc The starting container's host config.
 * @param lookup Finds containers.
 * @returns Host pids of the processes whose namespaces to join.
 * @throws {Error} 400 when a donor is missing or not shareable, 409 when it is not running.
 * @example
 * ```ts
 * import { namespaceJoins } from "./container_join.ts";
 * const joins = namespaceJoins(
 *   { IpcMode: "container:db", PidMode: "container:db" },
 *   () => ({ id: "abc", ipcMode: "shareable", pid: 7, restarting: false }),
 * );
 * console.assert(joins.ipc === 7 && joins.pid === 7);
 * ```
 */
export function namespaceJoins(
  hc: Pick<HostConfig, "IpcMode" | "PidMode">,
  lookup: JoinLookup,
): NamespaceJoins {
  const joins: NamespaceJoins = {};
  for (const kind of ["IPC", "PID"] as const) {
    const ref = targetOf(kind === "IPC" ? hc.IpcMode : hc.PidMode);
    if (ref === undefined) continue;
    let donor: JoinCandidate;
    try {
      donor = lookup(ref);
    } catch (err) {
      throw badParameter(err);
    }
    if (donor.pid === undefined) {
      throw Object.assign(new Error(`cannot join ${kind} of a non running container: ${ref}`), {
        httpStatus: 409,
      });
    }
    if (donor.restarting) {
      throw Object.assign(
        new Error(
          `Container ${donor.id} is restarting, wait until the container is running`,
        ),
        { httpStatus: 409 },
      );
    }
    if (kind === "IPC") {
      const m = donor.ipcMode;
      if (m !== "shareable" && m !== "host" && !m.startsWith("container:")) {
        throw Object.assign(
          new Error(
            `container ${ref}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`,
          ),
          { httpStatus: 400 },
        );
      }
      joins.ipc = donor.pid;
    } else joins.pid = donor.pid;
  }
  return joins;
}

/**
 * Write the joined namespaces into the spec as runc receives them
 * (`{"type": "ipc", "path": "/proc/<pid>/ns/ipc"}`, host pids), replacing the
 * `container:<ref>` placeholders of create time.
 *
 * @param spec The starting container's spec (changed in place).
 * @param joins What {@link namespaceJoins} resolved.
 * @example
 * ```ts
 * import { pinJoinPaths } from "./container_join.ts";
 * const namespaces = [{ type: "ipc" as const, path: "container:db" }];
 * pinJoinPaths({ linux: { namespaces } } as never, { ipc: 7 });
 * console.assert(namespaces[0]?.path === "/proc/7/ns/ipc");
 * ```
 */
export function pinJoinPaths(spec: Pick<OciSpec, "linux">, joins: NamespaceJoins): void {
  for (const ns of spec.linux.namespaces) {
    const pid = ns.type === "ipc" ? joins.ipc : ns.type === "pid" ? joins.pid : undefined;
    if (ns.path && pid !== undefined) ns.path = `/proc/${pid}/ns/${ns.type}`;
  }
}
