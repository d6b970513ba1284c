/**
 * Byte reading and writing with LEB128, for the wasm binary rewriter.
 *
 * @module
 */

/** Thrown when a module's bytes do not follow the binary format. */
export class WasmFormatError extends Error {
  /**
   * @param message what is wrong
   * @param offset byte offset in the module where it was found
   */
  constructor(message: string, readonly offset: number) {
    super(`Cannot instrument module: ${message} at byte ${offset}`);
    this.name = "WasmFormatError";
  }
}

/** A cursor over a byte array. */
export class ByteReader {
  /** Current offset. */
  pos: number;
  /**
   * @param bytes the data
   * @param pos start offset
   * @param end end offset (exclusive)
   */
  constructor(readonly bytes: Uint8Array, pos = 0, readonly end = bytes.length) {
    this.pos = pos;
  }

  /** Whether the cursor reached the end. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** One byte. */
  u8(): number {
    if (this.pos >= this.end) throw new WasmFormatError("unexpected end", this.pos);
    return this.bytes[this.pos++]!;
  }

  /** An unsigned LEB128 of up to 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 35) throw new WasmFormatError("LEB128 too long", this.pos);
    }
  }

  /** Skip a signed or unsigned LEB128 of any width. */
  skipLeb(): void {
    while (this.u8() & 0x80) { /* continuation */ }
  }

  /** Skip `n` bytes. */
  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.end) throw new WasmFormatError("unexpected end", this.pos);
  }
}

/** A growable output buffer. */
export class ByteWriter {
  #buf: Uint8Array<ArrayBuffer>;
  /** Bytes written so far. */
  length = 0;

  /** @param capacity initial capacity in bytes */
  constructor(capacity = 1024) {
    this.#buf = new Uint8Array(capacity);
  }

  #reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
  }

  /** Append one byte. */
  u8(b: number): void {
    this.#reserve(1);
    this.#buf[this.length++] = b;
  }

  /** Append an unsigned LEB128. */
  u32(value: number): void {
    this.#reserve(5);
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.#buf[this.length++] = b;
    } while (v !== 0);
  }

  /** Append a signed LEB128 (32-bit range). */
  s32(value: number): void {
    this.#reserve(5);
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.#buf[this.length++] = b;
        return;
      }
      this.#buf[this.length++] = b | 0x80;
    }
  }

  /** Append bytes. */
  bytes(data: Uint8Array): void {
    this.range(data, 0, data.length);
  }

  /** Append `bytes[start, end)` (small ranges copied inline: no view allocated). */
  range(data: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.#reserve(n);
    const buf = this.#buf;
    if (n <= 48) {
      let at = this.length;
      for (let i = start; i < end; i++) buf[at++] = data[i]!;
    } else {
      buf.set(data.subarray(start, end), this.length);
    }
    this.length += n;
  }

  /** Append up to 8 literal bytes without allocating. */
  lit(a: number, b = -1, c = -1, d = -1, e = -1): void {
    this.#reserve(5);
    const buf = this.#buf;
    buf[this.length++] = a;
    if (b >= 0) buf[this.length++] = b;
    if (c >= 0) buf[this.length++] = c;
    if (d >= 0) buf[this.length++] = d;
    if (e >= 0) buf[this.length++] = e;
  }

  /** Append a length-prefixed copy of another writer's bytes. */
  sized(inner: ByteWriter): void {
    this.u32(inner.length);
    this.bytes(inner.view());
  }

  /** Append a name (length-prefixed UTF-8). */
  name(text: string): void {
    const data = new TextEncoder().encode(text);
    this.u32(data.length);
    this.bytes(data);
  }

  /** The bytes written (a view, valid until the next write). */
  view(): Uint8Array<ArrayBuffer> {
    return this.#buf.subarray(0, this.length);
  }

  /** Forget the contents, keeping the capacity. */
  reset(): void {
    this.length = 0;
  }
}
