/**
 * Berth side by side with the tools people would pick instead (issue 12), each peer
 * measured in the same run so the ratios hold on a noisy shared machine; a missing peer
 * is a row marked skipped with the reason, never a made-up figure.
 *
 * - `peers/containers`: runc, crun, podman, `deno run` empty vs Berth CLI (warm daemon) and
 *   library API, start to exit of `true`;
 * - `peers/wasi`: Berth's WASI executor vs `node:wasi`, `@bjorn3/browser_wasi_shim` and
 *   native -O2 on the same C;
 * - `peers/image`: `tar -x`, `umoci unpack`, `skopeo copy` vs `berth load`, MB/s;
 * - `peers/sh`: host `dash` and `busybox sh` vs Berth `sh` on the same scripts;
 * - `peers/native`: getpid, pipe ping-pong and 3-stage pipe throughput natively vs
 *   Berth's kernel;
 * - `peers/density`: daemon RSS and `berth ps` at 1, 100 and 1,000 idle containers;
 * - `peers/sched`: `cpu.weight` and `cpu.max` achieved vs asked (error %).
 *
 * Run: `deno task bench --only peers` (all five) or `--only peers/wasi`; `--quick` for a
 * smoke run. Native programs are compiled from `_peers/*.c` into the temp dir.
 *
 * @module
 */
import type { Benchmark } from "./_harness.ts";
import { containerRows } from "./_peers/containers.ts";
import { wasiRows } from "./_peers/wasi.ts";
import { shellRows } from "./_peers/shell.ts";
import { imageRows } from "./_peers/image.ts";
import { densityRows } from "./_peers/density.ts";
import { schedRows } from "./_peers/sched.ts";
import { nativeRows } from "./_peers/native_floor.ts";

/** The peer benchmarks. */
export const benchmarks: Benchmark[] = [
  { group: "peers/containers", run: containerRows },
  { group: "peers/wasi", run: wasiRows },
  { group: "peers/image", run: imageRows },
  { group: "peers/sh", run: shellRows },
  { group: "peers/native", run: nativeRows },
  { group: "peers/density", run: densityRows },
  { group: "peers/sched", run: schedRows },
];
