/**
 * The instrumenter's first pass: section boundaries, the facts the rewrite needs (types,
 * imports, globals, functions, table targets) and, per function, loops and calls for the
 * call-graph analysis.
 *
 * @module
 */
import { ByteReader, WasmFormatError } from "./_bytes.ts";
import { Op, skipBlockType, skipImmediates } from "./_opcodes.ts";

export interface Section {
  id: number;
  start: number;
  end: number;
}

export const SECTION_RANK: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

/** Per-module facts gathered before rewriting. */
export interface ModuleFacts {
  typeCount: number;
  paramCounts: number[];
  importedFuncs: number;
  importedGlobals: number;
  definedGlobals: number;
  funcTypes: number[];
  indirectTargets: Set<number>;
}

export function readSections(input: Uint8Array): Section[] {
  const r = new ByteReader(input, 8);
  const sections: Section[] = [];
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    sections.push({ id, start, end: start + size });
  }
  return sections;
}

export function skipLimits(r: ByteReader): void {
  const flags = r.u8();
  r.skipLeb();
  if (flags & 1) r.skipLeb();
}

export function skipConstExpr(r: ByteReader): void {
  for (;;) {
    const op = r.u8();
    if (op === Op.end) return;
    skipImmediates(op, r);
  }
}

export function gatherFacts(input: Uint8Array, sections: Section[]): ModuleFacts {
  const facts: ModuleFacts = {
    typeCount: 0,
    paramCounts: [],
    importedFuncs: 0,
    importedGlobals: 0,
    definedGlobals: 0,
    funcTypes: [],
    indirectTargets: new Set(),
  };
  for (const s of sections) {
    const r = new ByteReader(input, s.start, s.end);
    if (s.id === 1) {
      facts.typeCount = r.u32();
      for (let i = 0; i < facts.typeCount; i++) {
        const form = r.u8();
        if (form !== 0x60) throw new WasmFormatError("unsupported type form", r.pos - 1);
        const params = r.u32();
        r.skip(params);
        facts.paramCounts.push(params);
        r.skip(r.u32());
      }
    } else if (s.id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        r.skip(r.u32());
        r.skip(r.u32());
        const kind = r.u8();
        if (kind === 0) {
          r.u32();
          facts.importedFuncs++;
        } else if (kind === 1) {
          r.u8();
          skipLimits(r);
        } else if (kind === 2) {
          skipLimits(r);
        } else if (kind === 3) {
          r.u8();
          r.u8();
          facts.importedGlobals++;
        } else if (kind === 4) {
          r.u8();
          r.u32();
        } else throw new WasmFormatError(`unknown import kind ${kind}`, r.pos - 1);
      }
    } else if (s.id === 3) {
      const n = r.u32();
      for (let i = 0; i < n; i++) facts.funcTypes.push(r.u32());
    } else if (s.id === 6) {
      facts.definedGlobals = r.u32();
    } else if (s.id === 9) {
      forEachElementFunction(r, (f) => facts.indirectTargets.add(f));
    }
  }
  return facts;
}

/** Walk an element section, calling `onFunc` for every function index it names. */
export function forEachElementFunction(r: ByteReader, onFunc: (f: number) => void): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    if ((flags & 1) === 0) skipConstExpr(r); // active: offset
    if (flags === 2 || flags === 6) r.u32(); // explicit table (offset read above)
    if (flags & 4) {
      if (flags & 3) r.u8(); // reftype
      const count = r.u32();
      for (let k = 0; k < count; k++) {
        for (;;) {
          const op = r.u8();
          if (op === Op.end) break;
          if (op === Op.refFunc) onFunc(r.u32());
          else skipImmediates(op, r);
        }
      }
    } else {
      if (flags & 3) r.u8(); // elemkind
      const count = r.u32();
      for (let k = 0; k < count; k++) onFunc(r.u32());
    }
  }
}

export interface CodeAnalysis {
  hasLoop: Uint8Array;
  /** A call to a defined function or through a table that no loop encloses. */
  callOutsideLoop: Uint8Array;
  edgeStart: Int32Array;
  edges: Int32Array;
}

export function analyseCode(input: Uint8Array, s: Section, facts: ModuleFacts): CodeAnalysis {
  const r = new ByteReader(input, s.start, s.end);
  const n = r.u32();
  const hasLoop = new Uint8Array(n);
  const callOutsideLoop = new Uint8Array(n);
  const edgeStart = new Int32Array(n + 1);
  let edges = new Int32Array(Math.max(16, n * 2));
  let edgeCount = 0;
  let blocks = new Uint8Array(64); // per open block: 1 for a loop
  const imported = facts.importedFuncs;
  for (let i = 0; i < n; i++) {
    edgeStart[i] = edgeCount;
    const size = r.u32();
    const end = r.pos + size;
    const groups = r.u32();
    for (let g = 0; g < groups; g++) {
      r.u32();
      r.u8();
    }
    let depth = 0;
    let loops = 0;
    while (r.pos < end) {
      const op = r.u8();
      if (
        op === Op.block || op === Op.if || op === Op.loop || op === Op.try ||
        op === Op.tryTable
      ) {
        if (op === Op.tryTable) skipImmediates(op, r);
        else skipBlockType(r);
        if (depth === blocks.length) {
          const grown = new Uint8Array(blocks.length * 2);
          grown.set(blocks);
          blocks = grown;
        }
        const isLoop = op === Op.loop ? 1 : 0;
        blocks[depth++] = isLoop;
        if (isLoop) {
          hasLoop[i] = 1;
          loops++;
        }
      } else if (op === Op.end || op === Op.delegate) {
        if (op === Op.delegate) r.u32();
        if (depth > 0 && blocks[--depth] === 1) loops--;
      } else if (op === Op.call || op === Op.returnCall) {
        const f = r.u32();
        if (f >= imported) {
          if (loops === 0) callOutsideLoop[i] = 1;
          if (edgeCount === edges.length) {
            const grown = new Int32Array(edges.length * 2);
            grown.set(edges);
            edges = grown;
          }
          edges[edgeCount++] = f - imported;
        }
      } else if (op === Op.callIndirect || op === Op.returnCallIndirect) {
        r.u32();
        r.u32();
        if (loops === 0) callOutsideLoop[i] = 1;
      } else if (op === Op.refFunc) {
        facts.indirectTargets.add(r.u32());
      } else {
        skipImmediates(op, r);
      }
    }
    if (r.pos !== end) throw new WasmFormatError("function body overrun", r.pos);
  }
  edgeStart[n] = edgeCount;
  return { hasLoop, callOutsideLoop, edgeStart, edges: edges.subarray(0, edgeCount) };
}

/**
 * Initial size in bytes of the module's first memory (defined or imported), or 0 when it
 * has none: what instantiation will allocate, so the kernel can charge it beforehand.
 *
 * @param input a wasm module
 * @returns bytes
 */
export function initialMemoryBytes(input: Uint8Array): number {
  for (const s of readSections(input)) {
    const r = new ByteReader(input, s.start, s.end);
    if (s.id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        r.skip(r.u32());
        r.skip(r.u32());
        const kind = r.u8();
        if (kind === 0) r.u32();
        else if (kind === 1) {
          r.u8();
          skipLimits(r);
        } else if (kind === 2) {
          r.u8();
          return r.u32() * 65536;
        } else if (kind === 3) {
          r.u8();
          r.u8();
        } else {
          r.u8();
          r.u32();
        }
      }
    } else if (s.id === 5) {
      if (r.u32() === 0) return 0;
      r.u8();
      return r.u32() * 65536;
    }
  }
  return 0;
}
