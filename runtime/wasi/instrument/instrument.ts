/**
 * The preemption and memory instrumenter: a small streaming rewriter of wasm binaries
 * (no Binaryen) that makes a WASI module safe to run as a green thread on the kernel.
 *
 * What it changes:
 *
 * - **Fuel.** A new mutable i32 global holds fuel. A function that has loops, or can
 *   recurse (a call-graph cycle, or reachable by `call_indirect`/`ref.func`), keeps the
 *   fuel in a local: loaded from the global at entry, decremented at every loop head
 *   (and at entry when it can recurse), written back to the global before calls to
 *   defined functions and at every exit, reloaded after calls. When the local reaches
 *   0 the code calls the imported `berth.yield() -> i32`, which returns the new fuel
 *   (the executor wraps it in `WebAssembly.Suspending` and suspends only when the
 *   time slice is over). Leaf functions without loops are not touched.
 * - **memory.grow** becomes a call to the imported `berth.memory_grow(pages) -> i32`, so
 *   the kernel can charge the memory cgroup first and refuse with -1.
 * - Function indices shift by the two new imports: calls, `ref.func`, exports, the
 *   start function, element segments and the `name` section's function names are
 *   renumbered. Other custom sections are kept as they are.
 *
 * Entry checks go only where a cycle of calls could otherwise avoid every loop check: a
 * function that can recurse (call-graph cycle, or `call_indirect`/`ref.func` target) and
 * makes a call outside any loop. A call inside a loop follows that loop's check.
 * Every fuel check's `if` is marked unlikely in a `metadata.code.branch_hint` section so
 * V8 moves the yield call out of line.
 *
 * Measured here (tests/bench/wasi_bench.ts: each fixture instrumented vs the same module
 * uninstrumented, alternating, min of 5, same process; Deno 2.9.6 / V8 15.0, 2 shared
 * cores), overhead after each step that decided the design:
 *
 * | design | sha256 64 MB | crc32 16 MB | qsort 2M | interp 10M | fib(38) | geomean |
 * | --- | ---: | ---: | ---: | ---: | ---: | ---: |
 * | fuel in the global at every check | +21% | +1% | +25% | +53% | +237% | +51% |
 * | fuel in a local, synced around calls | +22% | 0% | +14% | +51% | +26% | +22% |
 * | + branch hints (check unlikely) | +2% | +2% | +6% | +20% | -2% | +5–13% |
 * | + entry checks only for calls outside loops | +9% | +1% | +9% | +19% | +1% | +7.5% |
 *
 * (Run-to-run noise on this shared machine is about ±5 points; the interpreter loop, a
 * `br_table` dispatch of a few instructions per iteration, is the worst case.)
 * Instrumenting a generated 30 MB module (43,210 functions) takes about 0.8–0.9 s.
 *
 * @module
 */
import { ByteReader, ByteWriter, WasmFormatError } from "./_bytes.ts";
import { recursiveFunctions } from "./_call_graph.ts";
import { analyseCode, gatherFacts, readSections, SECTION_RANK } from "./_analyse.ts";
import {
  emitBranchHints,
  emitCode,
  emitCustom,
  emitElements,
  emitExports,
  emitGlobals,
  emitImports,
  emitTypes,
  type RewriteContext,
} from "./_rewrite.ts";

/** Version of the rewriting rules; part of every cache key. Bump on any output change. */
export const INSTRUMENTER_VERSION = 4;

export { BERTH_IMPORT_MODULE, MEMORY_GROW_IMPORT, YIELD_IMPORT } from "./_rewrite.ts";
export { initialMemoryBytes } from "./_analyse.ts";

/** Options of {@link instrumentModule}. */
export interface InstrumentOptions {
  /** Initial value of the fuel global (the first slice's budget). Default 10,000. */
  initialFuel?: number;
  /**
   * Where a function keeps its fuel: `"local"` (loaded at entry, synced around calls),
   * `"global"` (read and written at every check), or `"auto"` (the default: local in
   * functions with loops, global in loop-free recursive functions, where the syncs
   * around calls would cost more than they save).
   */
  fuelMode?: "local" | "global" | "auto";
}

/** What the instrumenter did, for tests and benchmarks. */
export interface InstrumentStats {
  /** Defined functions. */
  functions: number;
  /** Functions that got a fuel local. */
  fuelledFunctions: number;
  /** Fuel checks at loop heads. */
  loopChecks: number;
  /** Fuel checks at function entries. */
  entryChecks: number;
  /** `memory.grow` instructions rerouted. */
  memoryGrows: number;
}

/** Result of {@link instrumentModule}. */
export interface InstrumentResult {
  /** The rewritten module. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Counts of what changed. */
  stats: InstrumentStats;
}

/**
 * Instrument a wasm module for preemption and memory accounting.
 *
 * @param input the module's bytes (wasm binary format, version 1)
 * @param options fuel settings
 * @returns the rewritten bytes and statistics
 * @throws {WasmFormatError} when the bytes are not a module this rewriter understands
 * @example
 * ```ts ignore
 * const { bytes } = instrumentModule(Deno.readFileSync("hello.wasm"));
 * WebAssembly.validate(bytes); // true
 * ```
 */
export function instrumentModule(
  input: Uint8Array,
  options: InstrumentOptions = {},
): InstrumentResult {
  const initialFuel = options.initialFuel ?? 10_000;
  if (
    input.length < 8 || input[0] !== 0 || input[1] !== 0x61 || input[2] !== 0x73 ||
    input[3] !== 0x6d
  ) {
    throw new WasmFormatError("not a wasm module (bad magic)", 0);
  }
  if (input[4] !== 1 || input[5] !== 0 || input[6] !== 0 || input[7] !== 0) {
    throw new WasmFormatError("unsupported binary version", 4);
  }
  const sections = readSections(input);
  const facts = gatherFacts(input, sections);
  const code = sections.find((s) => s.id === 10);
  const analysis = code ? analyseCode(input, code, facts) : undefined;
  const defined = facts.funcTypes.length;
  let entry: Uint8Array = new Uint8Array(defined);
  if (analysis) {
    // A function needs an entry check only when it can recurse (directly or through a
    // table) *and* can make a call that no loop encloses: a call inside a loop already
    // follows that loop's check, so every cycle of calls passes a check either way.
    entry = recursiveFunctions(defined, analysis.edgeStart, analysis.edges);
    for (const f of facts.indirectTargets) {
      if (f >= facts.importedFuncs) entry[f - facts.importedFuncs] = 1;
    }
    for (let i = 0; i < defined; i++) if (!analysis.callOutsideLoop[i]) entry[i] = 0;
  }
  const ctx: RewriteContext = {
    bytes: input,
    facts,
    remap: (f) => (f < facts.importedFuncs ? f : f + 2),
    yieldIdx: facts.importedFuncs,
    growIdx: facts.importedFuncs + 1,
    fuelGlobal: facts.importedGlobals + facts.definedGlobals,
    yieldType: facts.typeCount,
    growType: facts.typeCount + 1,
    hasLoop: analysis?.hasLoop ?? new Uint8Array(0),
    fuelMode: options.fuelMode ?? "auto",
    entry,
    hints: [],
    currentHints: [],
    stats: {
      functions: defined,
      fuelledFunctions: 0,
      loopChecks: 0,
      entryChecks: 0,
      memoryGrows: 0,
    },
  };

  const out = new ByteWriter(input.length + (input.length >> 3) + 256);
  out.range(input, 0, 8);
  const pending = new Map<number, (w: ByteWriter) => void>([
    [1, (w) => emitTypes(ctx, undefined, w)],
    [2, (w) => emitImports(ctx, undefined, w)],
    [6, (w) => emitGlobals(ctx, undefined, w, initialFuel)],
  ]);
  const body = new ByteWriter(1024);
  const flushPendingBelow = (rank: number) => {
    for (const [id, emit] of pending) {
      if (SECTION_RANK[id]! < rank) {
        body.reset();
        emit(body);
        out.u8(id);
        out.sized(body);
        pending.delete(id);
      }
    }
  };
  for (const s of sections) {
    if (s.id !== 0) flushPendingBelow(SECTION_RANK[s.id] ?? 99);
    body.reset();
    switch (s.id) {
      case 1:
        pending.delete(1);
        emitTypes(ctx, s, body);
        break;
      case 2:
        pending.delete(2);
        emitImports(ctx, s, body);
        break;
      case 6:
        pending.delete(6);
        emitGlobals(ctx, s, body, initialFuel);
        break;
      case 7:
        emitExports(ctx, s, body);
        break;
      case 8: {
        const r = new ByteReader(input, s.start, s.end);
        body.u32(ctx.remap(r.u32()));
        break;
      }
      case 9:
        emitElements(ctx, s, body);
        break;
      case 10: {
        emitCode(ctx, s, body);
        const hints = new ByteWriter(256);
        emitBranchHints(ctx, hints);
        out.u8(0);
        out.sized(hints);
        break;
      }
      case 0:
        if (!emitCustom(ctx, s, body)) continue;
        break;
      default:
        body.range(input, s.start, s.end);
    }
    out.u8(s.id);
    out.sized(body);
  }
  flushPendingBelow(100);
  return { bytes: out.view().slice(), stats: ctx.stats };
}
