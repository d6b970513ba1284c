/**
 * Bounds-checked access to a guest's linear memory for the WASI imports. Views are
 * refreshed when the memory grew (a grown memory gets a new ArrayBuffer).
 *
 * @module
 */

/** Thrown by accessors for a pointer outside linear memory; imports turn it into `FAULT`. */
export class GuestFault extends Error {
  constructor() {
    super("guest pointer out of bounds");
    this.name = "GuestFault";
  }
}

/** Thrown for a path or string that is not valid UTF-8; imports turn it into `ILSEQ`. */
export class GuestIlseq extends Error {
  constructor() {
    super("invalid UTF-8 from guest");
    this.name = "GuestIlseq";
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Accessors over one instance's memory. */
export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;
  #buffer: ArrayBuffer | undefined;
  /** Byte view (valid until the next {@link refresh}). */
  u8: Uint8Array = new Uint8Array(0);
  /** DataView (little-endian accessors). */
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** 32-bit view (the host is little-endian, as wasm memory). */
  words: Uint32Array = new Uint32Array(0);

  /** Attach the instance's exported memory. */
  attach(memory: WebAssembly.Memory): void {
    this.#memory = memory;
    this.refresh();
  }

  /** Re-create the views if the memory grew. Call at the start of every import. */
  refresh(): void {
    const buffer = this.#memory?.buffer;
    if (buffer && buffer !== this.#buffer) {
      this.#buffer = buffer as ArrayBuffer;
      this.u8 = new Uint8Array(buffer);
      this.dv = new DataView(buffer);
      this.words = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    }
  }

  /**
   * Throw {@link GuestFault} unless `[ptr, ptr+len)` is inside memory. Views go stale
   * only when the memory grows, which detaches the old buffer (length 0): a failing
   * check refreshes the views and checks again, so imports need no refresh up front.
   */
  check(ptr: number, len: number): void {
    if (ptr >= 0 && len >= 0 && ptr + len <= this.u8.length) return;
    this.refresh();
    if (ptr < 0 || len < 0 || ptr + len > this.u8.length) throw new GuestFault();
  }

  /** A view of guest bytes (shares memory). */
  bytes(ptr: number, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0); // no access, so no fault (as Linux)
    this.check(ptr, len);
    return this.u8.subarray(ptr, ptr + len);
  }

  /** Read a u32. */
  u32(ptr: number): number {
    this.check(ptr, 4);
    return this.dv.getUint32(ptr, true);
  }

  /** Write a u8. */
  setU8(ptr: number, v: number): void {
    this.check(ptr, 1);
    this.u8[ptr] = v;
  }

  /** Write a u16. */
  setU16(ptr: number, v: number): void {
    this.check(ptr, 2);
    this.dv.setUint16(ptr, v, true);
  }

  /** Write a u32. */
  setU32(ptr: number, v: number): void {
    this.check(ptr, 4);
    this.dv.setUint32(ptr, v, true);
  }

  /** Write a u64 given as a number (exact below 2^53) or bigint. */
  setU64(ptr: number, v: number | bigint): void {
    this.check(ptr, 8);
    this.dv.setBigUint64(ptr, typeof v === "bigint" ? v : BigInt(Math.max(0, Math.trunc(v))), true);
  }

  /** Read a u64 as a bigint. */
  u64(ptr: number): bigint {
    this.check(ptr, 8);
    return this.dv.getBigUint64(ptr, true);
  }

  /** Decode a UTF-8 string; throws {@link GuestIlseq} on invalid UTF-8. */
  string(ptr: number, len: number): string {
    const data = this.bytes(ptr, len);
    try {
      return decoder.decode(data);
    } catch {
      throw new GuestIlseq();
    }
  }

  /** The iovec array `[ptr, ptr + 8*count)` as views into memory. */
  iovs(ptr: number, count: number): Uint8Array[] {
    this.check(ptr, count * 8);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const base = this.dv.getUint32(ptr + i * 8, true);
      const len = this.dv.getUint32(ptr + i * 8 + 4, true);
      out.push(this.bytes(base, len));
    }
    return out;
  }
}

/** UTF-8 encode (shared encoder). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
