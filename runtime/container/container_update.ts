/**
 * `docker update`: new resources (memory, CPUs, shares, CFS quota/period, pids limit) and
 * restart policy applied to a container's host config and OCI spec, as cgroup values to
 * write to its live cgroup.
 *
 * @module
 */
import type { ContainerRecord } from "./container_state.ts";
import { cgroupValues } from "./container_spec.ts";

/**
 * Apply an update body (Docker's `UpdateConfig`) to a record.
 *
 * @param record The container (changed in place).
 * @param hc The body: `Memory`, `NanoCpus`, `CpuShares`, `CpuQuota`, `CpuPeriod`,
 *   `PidsLimit` (-1 = unlimited), `RestartPolicy`.
 * @returns The cgroup file values to write.
 * @throws {Error} 400 for a field of the wrong type.
 * @example
 * ```ts ignore
 * const values = applyUpdate(record, { Memory: 32 * 1024 * 1024 });
 * running.update(values);
 * ```
 */
export function applyUpdate(
  record: ContainerRecord,
  hc: Record<string, unknown>,
): Record<string, string> {
  const h = record.HostConfig;
  const num = (k: string): number | undefined => {
    const v = hc[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw Object.assign(
        new Error(
          `json: cannot unmarshal ${typeof v} into Go struct field UpdateConfig.${k} of type int64`,
        ),
        { httpStatus: 400 },
      );
    }
    return v;
  };
  const memory = num("Memory");
  const nano = num("NanoCpus");
  const shares = num("CpuShares");
  const quota = num("CpuQuota");
  const period = num("CpuPeriod");
  const pids = num("PidsLimit");
  if (memory !== undefined && memory > 0) h.Memory = memory;
  if (nano !== undefined && nano > 0) h.NanoCpus = nano;
  if (shares !== undefined && shares > 0) h.CpuShares = shares;
  if (quota !== undefined && quota !== 0) h.CpuQuota = quota;
  if (period !== undefined && period > 0) h.CpuPeriod = period;
  if (pids !== undefined && pids !== 0) h.PidsLimit = pids;
  const rp = hc.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined;
  if (rp && typeof rp === "object" && typeof rp.Name === "string" && rp.Name !== "") {
    h.RestartPolicy = { Name: rp.Name as never, MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  }
  const r = record.Spec.linux.resources;
  const per = h.CpuPeriod || 100_000;
  if (h.NanoCpus > 0) {
    r.cpu = { ...(r.cpu ?? {}), quota: Math.round((h.NanoCpus / 1e9) * per), period: per };
  } else if (h.CpuQuota > 0) r.cpu = { ...(r.cpu ?? {}), quota: h.CpuQuota, period: per };
  if (h.CpuShares > 0) r.cpu = { ...(r.cpu ?? {}), shares: h.CpuShares };
  if (h.Memory > 0) r.memory = { limit: h.Memory };
  if (h.PidsLimit !== null && h.PidsLimit > 0) r.pids = { limit: h.PidsLimit };
  const values = cgroupValues(r);
  if (pids === -1) {
    h.PidsLimit = -1;
    delete r.pids;
    values["pids.max"] = "max";
  }
  return values;
}
