/**
 * Instruction immediates of the wasm binary format (MVP, sign extension, saturating
 * truncation, bulk memory, reference types, SIMD, threads, tail calls, exception
 * handling in its legacy and `try_table` forms): enough to walk
 * a function body instruction by instruction without understanding it.
 *
 * @module
 */
import { type ByteReader, WasmFormatError } from "./_bytes.ts";

/** Opcodes the rewriter treats specially. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  returnCall: 0x12,
  returnCallIndirect: 0x13,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i32Sub: 0x6b,
  i32Eqz: 0x45,
  refFunc: 0xd2,
  try: 0x06,
  delegate: 0x18,
  tryTable: 0x1f,
  prefixFC: 0xfc,
  prefixFD: 0xfd,
  prefixFE: 0xfe,
} as const;

/** Skip a block type: 0x40, a value type, or a type index (s33). */
export function skipBlockType(r: ByteReader): void {
  const b = r.bytes[r.pos];
  if (
    b === 0x40 || b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x7b ||
    b === 0x70 || b === 0x6f
  ) {
    r.pos++;
    return;
  }
  r.skipLeb();
}

function skipMemarg(r: ByteReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // multi-memory index
  r.skipLeb(); // offset (u32 or u64)
}

/**
 * Skip the immediates of opcode `op` (already read), for every opcode that is not
 * structured control or a function reference (the caller handles those).
 *
 * @param op the opcode byte
 * @param r the reader, just after the opcode
 */
export function skipImmediates(op: number, r: ByteReader): void {
  if (op >= 0x45 && op <= 0xc4) return; // numeric, no immediates
  if (op >= 0x28 && op <= 0x3e) return skipMemarg(r);
  switch (op) {
    case 0x00: // unreachable
    case 0x01: // nop
    case 0x05: // else
    case 0x0b: // end
    case 0x0f: // return
    case 0x1a: // drop
    case 0x1b: // select
    case 0xd1: // ref.is_null
      return;
    case 0x0c:
    case 0x0d:
    case 0x10:
    case 0x12:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25: // table.get
    case 0x26: // table.set
    case 0xd2: // ref.func
      r.u32();
      return;
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x06: // try (legacy exception handling)
      skipBlockType(r);
      return;
    case 0x07: // catch tag
    case 0x08: // throw tag
    case 0x09: // rethrow label
    case 0x18: // delegate label
      r.u32();
      return;
    case 0x0a: // throw_ref
    case 0x19: // catch_all
      return;
    case 0x1f: { // try_table blocktype vec(catch)
      skipBlockType(r);
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const kind = r.u8();
        if (kind <= 1) r.u32(); // tag
        r.u32(); // label
      }
      return;
    }
    case 0x0e: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return;
    }
    case 0x11:
    case 0x13:
      r.u32();
      r.u32();
      return;
    case 0x1c: { // select t*
      const n = r.u32();
      r.skip(n);
      return;
    }
    case 0x3f:
    case 0x40:
      r.u8();
      return;
    case 0x41:
    case 0x42:
      r.skipLeb();
      return;
    case 0x43:
      r.skip(4);
      return;
    case 0x44:
      r.skip(8);
      return;
    case 0xd0: // ref.null t
      r.u8();
      return;
    case 0xfc:
      return skipFC(r);
    case 0xfd:
      return skipFD(r);
    case 0xfe:
      return skipFE(r);
  }
  throw new WasmFormatError(`unsupported opcode 0x${op.toString(16)}`, r.pos - 1);
}

function skipFC(r: ByteReader): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncation
  switch (sub) {
    case 8: // memory.init data mem
      r.u32();
      r.u8();
      return;
    case 9: // data.drop
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return;
    case 10: // memory.copy
      r.u8();
      r.u8();
      return;
    case 11: // memory.fill
      r.u8();
      return;
    case 12: // table.init
    case 14: // table.copy
      r.u32();
      r.u32();
      return;
  }
  throw new WasmFormatError(`unsupported opcode 0xfc ${sub}`, r.pos);
}

function skipFD(r: ByteReader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) return skipMemarg(r);
  if (sub === 12 || sub === 13) return r.skip(16);
  if (sub >= 21 && sub <= 34) return r.skip(1);
  if (sub >= 84 && sub <= 91) {
    skipMemarg(r);
    r.skip(1);
  }
}

function skipFE(r: ByteReader): void {
  const sub = r.u32();
  if (sub === 3) {
    r.u8(); // atomic.fence
    return;
  }
  skipMemarg(r);
}
