/**
 * What the engine reads back at daemon start, and Docker's signal names.
 *
 * Containers that were running when the daemon went away are recorded as exited (255),
 * as Docker does without live-restore; `--rm` containers and interrupted removals are
 * deleted; `always`/`unless-stopped` containers not stopped by the user start again.
 *
 * @module
 */
import { parseSignal } from "../kernel/signals.ts";
import { type ContainerRecord, loadRecord, saveRecord } from "./container_state.ts";

/**
 * A signal number from Docker's names ("SIGTERM", "TERM", "15").
 *
 * @param text The name or number; empty for the fallback.
 * @param fallback The default signal.
 * @returns The number.
 * @throws {Error} 400 for an unknown signal.
 * @example
 * ```ts
 * import { signalNumber } from "./container_load.ts";
 * console.assert(signalNumber("SIGINT", 15) === 2);
 * ```
 */
export function signalNumber(text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const n = parseSignal(text);
  if (n === undefined) {
    throw Object.assign(new Error(`Invalid signal: ${text}`), { httpStatus: 400 });
  }
  return n;
}

/**
 * Read the persisted containers under `dir`, cleaning up what should not survive.
 *
 * @param dir `$BERTH_ROOT/containers`.
 * @returns The records to keep and the ids to start again.
 * @example
 * ```ts ignore
 * const { records, restart } = await readPersisted(`${root}/containers`);
 * ```
 */
export async function readPersisted(
  dir: string,
): Promise<{ records: ContainerRecord[]; restart: string[] }> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const records: ContainerRecord[] = [];
  const restart: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory && e.name.startsWith(".trash-")) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
      continue;
    }
    if (!e.isDirectory || !/^[0-9a-f]{64}$/.test(e.name)) continue;
    const record = await loadRecord(path);
    if (!record) {
      // No record at all: a create interrupted before its commit point (the record is
      // written last, atomically), so this never became a container. A record that exists
      // but does not parse is kept for `berth system check` to report.
      const absent = await Deno.lstat(`${path}/container.json`).then(() => false, () => true);
      if (absent) await Deno.remove(path, { recursive: true }).catch(() => {});
      continue;
    }
    // An interrupted removal, and --rm containers, do not survive the daemon that ran them.
    if (record.State.Status === "removing" || record.HostConfig.AutoRemove) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
      continue;
    }
    if (record.State.Running || record.State.Status === "restarting") {
      Object.assign(record.State, {
        Status: "exited",
        Running: false,
        Paused: false,
        Restarting: false,
        Pid: 0,
        ExitCode: 255,
        FinishedAt: new Date().toISOString(),
      });
      saveRecord(path, record);
    }
    records.push(record);
    const p = record.HostConfig.RestartPolicy.Name;
    if (
      (p === "always" || p === "unless-stopped") && !record.ManuallyStopped &&
      record.State.Status !== "created"
    ) restart.push(record.Id);
  }
  return { records, restart };
}
