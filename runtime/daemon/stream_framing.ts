/**
 * Docker's multiplexed stream framing (`application/vnd.docker.multiplexed-stream`):
 * each frame is an 8-byte header `[stream, 0, 0, 0, size (big-endian u32)]` followed by
 * `size` bytes; stream 0 is stdin, 1 stdout, 2 stderr, 3 Docker's "systemerr" (the end of
 * a stream: Berth's one-request run, `POST /_berth/run`, sends its exit status there). Used
 * for attach, logs and exec output when the container has no TTY (with a TTY the stream is
 * raw).
 *
 * @module
 */

/** Stream numbers of the framing (3: Docker's systemerr). */
export type StreamId = 0 | 1 | 2 | 3;

/**
 * Frame one payload.
 *
 * @param stream 1 stdout, 2 stderr (0 stdin, 3 systemerr).
 * @param data The payload.
 * @returns Header and payload in one array.
 * @example
 * ```ts
 * import { encodeFrame } from "./stream_framing.ts";
 * console.assert(encodeFrame(1, new Uint8Array([65])).length === 9);
 * ```
 */
export function encodeFrame(stream: StreamId, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, data.length);
  out.set(data, 8);
  return out;
}

/**
 * Incremental decoder for framed streams: feed bytes, get whole frames.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./stream_framing.ts";
 * const d = new FrameDecoder();
 * const frames = d.push(encodeFrame(2, new Uint8Array([1, 2])));
 * console.assert(frames[0]?.stream === 2 && frames[0]?.data.length === 2);
 * ```
 */
export class FrameDecoder {
  #pending = new Uint8Array(0);

  /**
   * Add bytes.
   *
   * @param bytes The next bytes of the stream.
   * @returns The frames completed by them.
   */
  push(bytes: Uint8Array): { stream: StreamId; data: Uint8Array }[] {
    let buf = bytes;
    if (this.#pending.length > 0) {
      buf = new Uint8Array(this.#pending.length + bytes.length);
      buf.set(this.#pending);
      buf.set(bytes, this.#pending.length);
    }
    const frames: { stream: StreamId; data: Uint8Array }[] = [];
    let at = 0;
    while (buf.length - at >= 8) {
      const size = new DataView(buf.buffer, buf.byteOffset + at + 4, 4).getUint32(0);
      if (buf.length - at - 8 < size) break;
      const stream = (buf[at]! <= 3 ? buf[at] : 1) as StreamId;
      frames.push({ stream, data: buf.slice(at + 8, at + 8 + size) });
      at += 8 + size;
    }
    this.#pending = buf.slice(at);
    return frames;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.#pending.length;
  }
}
