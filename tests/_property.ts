/**
 * fast-check, configured for Berth's property tests.
 *
 * `deno task test` (and so CI) runs every property with one fixed seed: the same cases
 * every run, so a red run means a regression, never a lucky draw. To explore new cases,
 * set `BERTH_PROP_SEED=random` (or `BERTH_STRESS=1`, which also runs ten times as
 * many cases); to replay a failure, set `BERTH_PROP_SEED` to the seed
 * fast-check printed. `BERTH_PROP_RUNS` sets the run count of every property.
 *
 * @module
 */
import fc from "fast-check";

const seed = Deno.env.get("BERTH_PROP_SEED");
const explore = seed === "random" || (seed === undefined && !!Deno.env.get("BERTH_STRESS"));
const stress = !!Deno.env.get("BERTH_STRESS");
const override = Deno.env.get("BERTH_PROP_RUNS");

fc.configureGlobal({
  ...(explore ? {} : { seed: seed === undefined ? 20261125 : Number(seed) }),
  ...(override ? { numRuns: Number(override) } : {}),
});

/**
 * How many cases a property runs.
 *
 * @param normal Count for `deno task test`.
 * @param underStress Count when `BERTH_STRESS` is set (default 10× `normal`).
 * @returns `BERTH_PROP_RUNS` when set, else the count for this mode.
 */
export function runs(normal: number, underStress = normal * 10): number {
  if (override) return Number(override);
  return stress ? underStress : normal;
}

export { fc };
