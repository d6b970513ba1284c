/**
 * Density: one daemon (temp `BERTH_ROOT`) with 1, 100 and 1,000 idle containers
 * (`sleep 3600`); at each step the daemon's RSS (from `/proc/PID/status`), the RSS per
 * container beyond the first (target ≤ 100 KB), and `berth ps` start to exit over them
 * (target ≤ 200 ms), against `deno run` of an empty script measured in the same run
 * (the part of `berth ps` any Deno CLI pays). All containers are force-removed and the
 * daemon stopped afterwards.
 *
 * @module
 */
import type { BenchContext, Row } from "../_harness.ts";
import { cliEntry, msRow, ratioRow, series, timeCommand } from "./common.ts";
import { request } from "../../../runtime/daemon/http_client.ts";

const G = "peers/density";

/**
 * The density rows.
 *
 * @param ctx Bench context.
 * @returns RSS and `ps` rows per step, and the removal time.
 * @example
 * ```ts ignore
 * const rows = await densityRows({ quick: true, tmp });
 * ```
 */
export async function densityRows(ctx: BenchContext): Promise<Row[]> {
  const steps = ctx.quick ? [1, 5, 10] : [1, 100, 1000];
  const root = `${ctx.tmp}/root`;
  const env = { BERTH_ROOT: root, NO_COLOR: "1" };
  const sock = `${root}/berth.sock`;
  const rows: Row[] = [];
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await request(sock, method, `/v1.47${path}`, { json });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) as Record<string, unknown> : {};
  };
  const rssKb = async () => {
    const pid = (await Deno.readTextFile(`${root}/berth.pid`)).trim();
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  };
  const settle = () => new Promise((r) => setTimeout(r, 500));
  const ids: string[] = [];
  try {
    await timeCommand(Deno.execPath(), ["run", "-A", cliEntry, "version"], { env });
    const empty = `${ctx.tmp}/empty.ts`;
    await Deno.writeTextFile(empty, "");
    const runs = ctx.quick ? 2 : 7;
    const deno = await series(
      runs,
      async () => (await timeCommand(Deno.execPath(), ["run", empty])).ms,
    );
    rows.push(msRow(G, "deno run (empty script)", deno, "reference for berth ps"));
    let firstKb = NaN;
    for (const n of steps) {
      while (ids.length < n) {
        const c = await call("POST", "/containers/create", {
          Image: "berth/base",
          Cmd: ["sleep", "3600"],
        });
        const id = String(c.Id);
        ids.push(id);
        await call("POST", `/containers/${id}/start`);
      }
      await settle();
      const kb = await rssKb();
      if (n === 1) firstKb = kb;
      rows.push({
        group: G,
        name: `daemon RSS with ${n} idle container${n === 1 ? "" : "s"}`,
        value: kb / 1024,
        unit: "MB",
      });
      if (n > 1) {
        const per = (kb - firstKb) / (n - 1);
        rows.push({
          group: G,
          name: `RSS per idle container beyond the first (${n})`,
          value: per,
          unit: "KB",
          target: "≤ 100 KB",
          pass: ctx.quick ? undefined : per <= 100,
          note: !ctx.quick && per > 100
            ? `over the target by ${((per / 100 - 1) * 100).toFixed(0)}%`
            : undefined,
        });
      }
      const ps = await series(
        runs,
        async () => (await timeCommand(Deno.execPath(), ["run", "-A", cliEntry, "ps"], { env })).ms,
      );
      rows.push({
        ...msRow(G, `berth ps over ${n} running`, ps),
        target: "≤ 200 ms",
        pass: ctx.quick ? undefined : ps.median <= 200,
        note: !ctx.quick && ps.median > 200
          ? `over the target by ${((ps.median / 200 - 1) * 100).toFixed(0)}%`
          : undefined,
      });
      rows.push(ratioRow(G, `berth ps over ${n} / deno run empty`, ps.median, deno.median));
    }
    const t0 = performance.now();
    while (ids.length > 0) await call("DELETE", `/containers/${ids.pop()}?force=1`);
    rows.push({
      group: G,
      name: `rm -f of ${steps.at(-1)} running containers (API, one by one)`,
      value: performance.now() - t0,
      unit: "ms",
    });
  } finally {
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cliEntry, "system", "shutdown"],
      env,
      stdout: "null",
      stderr: "null",
    }).output();
  }
  return rows;
}
