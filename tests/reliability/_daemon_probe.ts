/**
 * Probes of a running test daemon shared by the quota tests: `/_ping` round trips, the
 * daemon's RSS, a container's CPU time from the Engine API stats, `berth stats` fields,
 * and the tail of the daemon's log for failure messages.
 *
 * @module
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import type { Berth } from "../e2e/cli_harness.ts";

/** Round-trip time of GET /_ping on the daemon's socket, in ms. */
export function ping(socket: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: "/_ping", method: "GET" }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - t0));
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error("no answer to /_ping within 5 s")));
    req.end();
  });
}

/** The daemon's resident set size in kB (from /proc, by the pid file in its root). */
export function daemonRssKb(root: string): number {
  const pid = Deno.readTextFileSync(`${root}/berth.pid`).trim();
  const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return Number(m?.[1] ?? NaN);
}

/** One `berth stats --no-stream` field ("PIDs", "MemUsage") of a container. */
export async function statsOf(berth: Berth, name: string, field: string): Promise<string> {
  const out = await berth.run(["stats", "--no-stream", "--format", `{{.${field}}}`, name]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim();
}

/** The tail of the daemon's log, for failure messages. */
export function daemonLog(berth: Berth): string {
  try {
    return Deno.readTextFileSync(`${berth.root}/daemon.log`).split("\n").slice(-30).join("\n");
  } catch {
    return "(no daemon log)";
  }
}

/** GET a JSON document from the daemon. */
export function apiJson(socket: string, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => body += c);
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(new Error(`${path}: ${e}: ${body.slice(0, 200)}`));
        }
      });
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${path} within 5 s`)));
    req.end();
  });
}

/** Cumulative CPU time of a container in ns (Engine API stats). */
export async function cpuNs(berth: Berth, name: string): Promise<number> {
  const st = await apiJson(berth.socket, `/containers/${name}/stats?stream=false`);
  const usage = (st.cpu_stats as { cpu_usage: { total_usage: number } }).cpu_usage.total_usage;
  assert.equal(typeof usage, "number");
  return usage;
}

/** CPU time (ns) two containers use over the same `ms` window, after a short warm-up. */
export async function cpuOver(
  berth: Berth,
  a: string,
  b: string,
  ms: number,
): Promise<[number, number]> {
  await new Promise((r) => setTimeout(r, 500));
  const a0 = await cpuNs(berth, a);
  const b0 = await cpuNs(berth, b);
  await new Promise((r) => setTimeout(r, ms));
  return [(await cpuNs(berth, a)) - a0, (await cpuNs(berth, b)) - b0];
}
