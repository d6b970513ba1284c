/**
 * The instrumenter's second pass: section by section rewriting (function indices shift by
 * the two new imports) and the code rewrite that inserts fuel checks and reroutes
 * `memory.grow`.
 *
 * @module
 */
import { ByteReader, ByteWriter, WasmFormatError } from "./_bytes.ts";
import { Op, skipBlockType, skipImmediates } from "./_opcodes.ts";
import type { ModuleFacts, Section } from "./_analyse.ts";
import type { InstrumentStats } from "./instrument.ts";

/** Import module of the instrumenter's imports. */
export const BERTH_IMPORT_MODULE = "berth";
/** `berth.yield() -> i32`: called when fuel runs out; returns the new fuel (> 0). */
export const YIELD_IMPORT = "yield";
/** `berth.memory_grow(pages: i32) -> i32`: old size in pages, or -1 when refused. */
export const MEMORY_GROW_IMPORT = "memory_grow";

export interface RewriteContext {
  bytes: Uint8Array;
  facts: ModuleFacts;
  remap: (f: number) => number;
  yieldIdx: number;
  growIdx: number;
  fuelGlobal: number;
  yieldType: number;
  growType: number;
  hasLoop: Uint8Array;
  fuelMode: "local" | "global" | "auto";
  entry: Uint8Array;
  stats: InstrumentStats;
  /** Per rewritten function: body offsets of the fuel-check `if`s (hinted unlikely). */
  hints: { func: number; offsets: number[] }[];
  /** Offsets list of the function being rewritten. */
  currentHints: number[];
}

export function emitTypes(ctx: RewriteContext, s: Section | undefined, w: ByteWriter): void {
  w.u32(ctx.facts.typeCount + 2);
  if (s) {
    const r = new ByteReader(ctx.bytes, s.start, s.end);
    r.u32();
    w.range(ctx.bytes, r.pos, s.end);
  }
  w.bytes(Uint8Array.of(0x60, 0x00, 0x01, 0x7f)); // () -> i32
  w.bytes(Uint8Array.of(0x60, 0x01, 0x7f, 0x01, 0x7f)); // (i32) -> i32
}

export function emitImports(ctx: RewriteContext, s: Section | undefined, w: ByteWriter): void {
  let count = 0;
  let rest = 0;
  if (s) {
    const r = new ByteReader(ctx.bytes, s.start, s.end);
    count = r.u32();
    rest = r.pos;
  }
  w.u32(count + 2);
  if (s) w.range(ctx.bytes, rest, s.end);
  w.name(BERTH_IMPORT_MODULE);
  w.name(YIELD_IMPORT);
  w.u8(0);
  w.u32(ctx.yieldType);
  w.name(BERTH_IMPORT_MODULE);
  w.name(MEMORY_GROW_IMPORT);
  w.u8(0);
  w.u32(ctx.growType);
}

/** Copy a constant expression, renumbering `ref.func`. */
export function copyConstExpr(ctx: RewriteContext, r: ByteReader, w: ByteWriter): void {
  for (;;) {
    const start = r.pos;
    const op = r.u8();
    if (op === Op.refFunc) {
      w.u8(op);
      w.u32(ctx.remap(r.u32()));
      continue;
    }
    if (op !== Op.end) skipImmediates(op, r);
    w.range(ctx.bytes, start, r.pos);
    if (op === Op.end) return;
  }
}

export function emitGlobals(
  ctx: RewriteContext,
  s: Section | undefined,
  w: ByteWriter,
  initialFuel: number,
): void {
  w.u32(ctx.facts.definedGlobals + 1);
  if (s) {
    const r = new ByteReader(ctx.bytes, s.start, s.end);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      w.u8(r.u8()); // valtype
      w.u8(r.u8()); // mutability
      copyConstExpr(ctx, r, w);
    }
  }
  w.bytes(Uint8Array.of(0x7f, 0x01, Op.i32Const));
  w.s32(initialFuel);
  w.u8(Op.end);
}

export function emitExports(ctx: RewriteContext, s: Section, w: ByteWriter): void {
  const r = new ByteReader(ctx.bytes, s.start, s.end);
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const nameStart = r.pos;
    r.skip(r.u32());
    w.range(ctx.bytes, nameStart, r.pos);
    const kind = r.u8();
    const index = r.u32();
    w.u8(kind);
    w.u32(kind === 0 ? ctx.remap(index) : index);
  }
}

export function emitElements(ctx: RewriteContext, s: Section, w: ByteWriter): void {
  const r = new ByteReader(ctx.bytes, s.start, s.end);
  const n = r.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags === 2 || flags === 6) w.u32(r.u32());
    if ((flags & 1) === 0) copyConstExpr(ctx, r, w);
    if (flags & 3) w.u8(r.u8());
    const count = r.u32();
    w.u32(count);
    for (let k = 0; k < count; k++) {
      if (flags & 4) copyConstExpr(ctx, r, w);
      else w.u32(ctx.remap(r.u32()));
    }
  }
}

export function emitCustom(ctx: RewriteContext, s: Section, w: ByteWriter): boolean {
  const r = new ByteReader(ctx.bytes, s.start, s.end);
  const nameLen = r.u32();
  const name = new TextDecoder().decode(ctx.bytes.subarray(r.pos, r.pos + nameLen));
  r.skip(nameLen);
  if (name !== "name") {
    w.range(ctx.bytes, s.start, s.end);
    return true;
  }
  // Keep the module name and function names (renumbered); drop local and other names.
  w.name("name");
  const sub = new ByteWriter(256);
  try {
    while (!r.done) {
      const id = r.u8();
      const size = r.u32();
      const end = r.pos + size;
      if (id === 0) {
        w.u8(0);
        w.u32(size);
        w.range(ctx.bytes, r.pos, end);
      } else if (id === 1) {
        sub.reset();
        const count = r.u32();
        sub.u32(count);
        for (let i = 0; i < count; i++) {
          sub.u32(ctx.remap(r.u32()));
          const len = r.u32();
          sub.u32(len);
          sub.range(ctx.bytes, r.pos, r.pos + len);
          r.skip(len);
        }
        w.u8(1);
        w.sized(sub);
      }
      r.pos = end;
    }
  } catch {
    return false; // a malformed name section is dropped, as engines ignore it
  }
  return true;
}

export function emitCode(ctx: RewriteContext, s: Section, w: ByteWriter): void {
  const bytes = ctx.bytes;
  const r = new ByteReader(bytes, s.start, s.end);
  const n = r.u32();
  w.u32(n);
  const body = new ByteWriter(4096);
  const G = ctx.fuelGlobal;
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const end = r.pos + size;
    body.reset();
    const groupsStart = r.pos;
    const groups = r.u32();
    const declStart = r.pos;
    let locals = ctx.facts.paramCounts[ctx.facts.funcTypes[i]!] ?? 0;
    for (let g = 0; g < groups; g++) {
      locals += r.u32();
      r.u8();
    }
    const checked = ctx.hasLoop[i] === 1 || ctx.entry[i] === 1;
    const useLocal = checked &&
      (ctx.fuelMode === "local" || (ctx.fuelMode === "auto" && ctx.hasLoop[i] === 1));
    const useGlobal = checked && !useLocal;
    const fuelled = useLocal;
    const fl = locals;
    const offsets: number[] = [];
    ctx.currentHints = offsets;
    if (checked) {
      ctx.stats.fuelledFunctions++;
      body.u32(groups + 1);
      body.range(bytes, declStart, r.pos);
      body.lit(1, 0x7f);
      if (useLocal) {
        body.u8(Op.globalGet);
        body.u32(G);
        if (ctx.entry[i] === 1) emitDecrementAndCheck(ctx, body, fl);
        else {
          body.u8(Op.localSet);
          body.u32(fl);
        }
      } else if (ctx.entry[i] === 1) emitGlobalCheck(ctx, body, fl);
      if (ctx.entry[i] === 1) ctx.stats.entryChecks++;
    } else {
      body.range(bytes, groupsStart, r.pos);
    }
    let depth = 0;
    let copyFrom = r.pos;
    while (r.pos < end) {
      const start = r.pos;
      const op = r.u8();
      switch (op) {
        case Op.block:
        case Op.if:
        case Op.try:
          skipBlockType(r);
          depth++;
          break;
        case Op.tryTable:
          // A catch clause that targets the function's label leaves without the exit
          // sync: that frame's fuel use is forgotten, a bounded loss (so is a throw).
          skipImmediates(op, r);
          depth++;
          break;
        case Op.delegate:
          r.u32();
          depth--;
          break;
        case Op.loop:
          skipBlockType(r);
          depth++;
          if (checked) {
            body.range(bytes, copyFrom, r.pos);
            copyFrom = r.pos;
            if (useGlobal) emitGlobalCheck(ctx, body, fl);
            else {
              body.u8(Op.localGet);
              body.u32(fl);
              emitDecrementAndCheck(ctx, body, fl);
            }
            ctx.stats.loopChecks++;
          }
          break;
        case Op.end:
          if (depth === 0) {
            if (fuelled) syncOut(body, bytes, copyFrom, start, fl, G);
            copyFrom = fuelled ? start : copyFrom;
          } else depth--;
          break;
        case Op.br:
        case Op.brIf: {
          const label = r.u32();
          if (fuelled && label === depth) {
            syncOut(body, bytes, copyFrom, start, fl, G);
            copyFrom = start;
          }
          break;
        }
        case Op.brTable: {
          const count = r.u32();
          let exits = false;
          for (let k = 0; k <= count; k++) if (r.u32() === depth) exits = true;
          if (fuelled && exits) {
            syncOut(body, bytes, copyFrom, start, fl, G);
            copyFrom = start;
          }
          break;
        }
        case Op.return:
          if (fuelled) {
            syncOut(body, bytes, copyFrom, start, fl, G);
            copyFrom = start;
          }
          break;
        case Op.call:
        case Op.returnCall: {
          const f = r.u32();
          body.range(bytes, copyFrom, start);
          const sync = fuelled && f >= ctx.facts.importedFuncs;
          if (sync) syncOut(body, bytes, 0, 0, fl, G);
          body.u8(op);
          body.u32(ctx.remap(f));
          if (sync && op === Op.call) syncIn(body, fl, G);
          copyFrom = r.pos;
          break;
        }
        case Op.callIndirect:
        case Op.returnCallIndirect:
          r.u32();
          r.u32();
          if (fuelled) {
            syncOut(body, bytes, copyFrom, start, fl, G);
            body.range(bytes, start, r.pos);
            if (op === Op.callIndirect) syncIn(body, fl, G);
            copyFrom = r.pos;
          }
          break;
        case Op.refFunc: {
          const f = r.u32();
          body.range(bytes, copyFrom, start);
          body.u8(op);
          body.u32(ctx.remap(f));
          copyFrom = r.pos;
          break;
        }
        case Op.memoryGrow:
          // Only memory 0 (the one WASI exports and the kernel charges) is rerouted.
          if (r.u32() !== 0) break;
          body.range(bytes, copyFrom, start);
          body.u8(Op.call);
          body.u32(ctx.growIdx);
          copyFrom = r.pos;
          ctx.stats.memoryGrows++;
          break;
        default:
          skipImmediates(op, r);
      }
    }
    if (r.pos !== end) throw new WasmFormatError("function body overrun", r.pos);
    body.range(bytes, copyFrom, end);
    if (offsets.length > 0) ctx.hints.push({ func: ctx.facts.importedFuncs + 2 + i, offsets });
    w.sized(body);
  }
}

/** Flush pending input bytes, then `local.get fl; global.set G`. */
function syncOut(
  w: ByteWriter,
  bytes: Uint8Array,
  from: number,
  to: number,
  fl: number,
  G: number,
): void {
  if (to > from) w.range(bytes, from, to);
  w.u8(Op.localGet);
  w.u32(fl);
  w.u8(Op.globalSet);
  w.u32(G);
}

function syncIn(w: ByteWriter, fl: number, G: number): void {
  w.u8(Op.globalGet);
  w.u32(G);
  w.u8(Op.localSet);
  w.u32(fl);
}

/** With the fuel on the stack: `i32.const 1; i32.sub; local.tee fl; i32.eqz; if call yield; local.set fl end`. */
function emitDecrementAndCheck(ctx: RewriteContext, w: ByteWriter, fl: number): void {
  w.lit(Op.i32Const, 1, Op.i32Sub, Op.localTee);
  w.u32(fl);
  w.u8(Op.i32Eqz);
  ctx.currentHints.push(w.length);
  w.lit(Op.if, 0x40, Op.call);
  w.u32(ctx.yieldIdx);
  w.u8(Op.localSet);
  w.u32(fl);
  w.u8(Op.end);
}

/** Fuel in the global: `G -= 1; if G == 0 { G = yield() }`, with `t` as scratch. */
function emitGlobalCheck(ctx: RewriteContext, w: ByteWriter, t: number): void {
  w.u8(Op.globalGet);
  w.u32(ctx.fuelGlobal);
  w.lit(Op.i32Const, 1, Op.i32Sub, Op.localTee);
  w.u32(t);
  w.u8(Op.globalSet);
  w.u32(ctx.fuelGlobal);
  w.u8(Op.localGet);
  w.u32(t);
  w.u8(Op.i32Eqz);
  ctx.currentHints.push(w.length);
  w.lit(Op.if, 0x40, Op.call);
  w.u32(ctx.yieldIdx);
  w.u8(Op.globalSet);
  w.u32(ctx.fuelGlobal);
  w.u8(Op.end);
}

/**
 * The `metadata.code.branch_hint` custom section: every fuel check's `if` is marked
 * unlikely, so the engine lays the yield call out of line and keeps the loop's
 * registers free of spills for it.
 */
export function emitBranchHints(ctx: RewriteContext, w: ByteWriter): void {
  w.name("metadata.code.branch_hint");
  w.u32(ctx.hints.length);
  for (const { func, offsets } of ctx.hints) {
    w.u32(func);
    w.u32(offsets.length);
    for (const offset of offsets) {
      w.u32(offset);
      w.u32(1);
      w.u8(0);
    }
  }
}
