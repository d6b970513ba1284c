/**
 * The data of a tmpfs regular file: in memory by chunk, charged to the file system (and
 * through it to the memory cgroup), or in a host "spill" file once it outgrew the file
 * system's spill threshold (the overlay's upper tree), counted against `size=`.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import { openMakingDir } from "../../open_making_dir.ts";

/** Page size: `blksize`, and the first chunk's smallest size. */
export const PAGE = 4096;
/**
 * File data lives in chunks of this many bytes (a hole is a missing chunk and reads as
 * zeros). Growing a file allocates new chunks and never copies old ones: the earlier
 * doubling buffer left ~10x its size in garbage for V8 to collect, so a 16 MiB tmpfs
 * file cost the daemon up to 200-400 MB of RSS. A file's first chunk starts at a page
 * multiple and grows (by copying at most one chunk) until it is full size.
 */
export const CHUNK = 64 * 1024;

/** What file data needs of its file system. */
export interface DataHost {
  /** Device number (spill file names). */
  readonly dev: number;
  /** Spill settings, if any. */
  readonly spill: { dir: string; threshold: number } | null;
  /** Charge memory bytes: 0, `ENOSPC` over `size=`, `ENOMEM` when the cgroup refuses. */
  charge(bytes: number): 0 | Errno;
  /** Give back memory bytes. */
  uncharge(bytes: number): void;
  /** Count spilled bytes against `size=`. */
  chargeDisk(bytes: number): 0 | Errno;
  /** Give back spilled bytes. */
  unchargeDisk(bytes: number): void;
}

/** The bytes of one file. */
export class FileData {
  /** Data by chunk of `CHUNK` bytes; `undefined` is a hole. */
  chunks: (Uint8Array | undefined)[] = [];
  /** Bytes of `chunks` charged to the file system and the memory cgroup. */
  charged = 0;
  /** File size. */
  size = 0;
  /** Host file holding the data once the file outgrew the spill threshold. */
  spill: Deno.FsFile | null = null;
  /** Path of the spill file. */
  spillPath = "";

  /**
   * No data yet.
   *
   * @param host The file system.
   * @param ino The file's inode number (spill file names).
   */
  constructor(private readonly host: DataHost, private readonly ino: number) {}

  /** Bytes the data occupies (for `st_blocks`). */
  blockBytes(): number {
    return this.spill ? this.size : this.charged;
  }

  /**
   * Read at `pos` (holes read as zeros).
   *
   * @param buf Destination.
   * @param pos Offset.
   * @returns Bytes read, or an errno.
   */
  readAt(buf: Uint8Array, pos: number): number | Errno {
    if (pos >= this.size) return 0;
    const n = Math.min(buf.length, this.size - pos);
    if (this.spill) return this.#spillIo("read", buf.subarray(0, n), pos);
    for (let done = 0; done < n;) {
      const p = pos + done;
      const off = p % CHUNK;
      const len = Math.min(CHUNK - off, n - done);
      const chunk = this.chunks[(p - off) / CHUNK];
      const have = chunk ? Math.max(0, Math.min(len, chunk.length - off)) : 0;
      if (have > 0) buf.set(chunk!.subarray(off, off + have), done);
      if (have < len) buf.fill(0, done + have, done + len);
      done += len;
    }
    return n;
  }

  /**
   * Write at `pos`, chunk by chunk: a full file system gives a short write, then an error.
   *
   * @param buf Data.
   * @param pos Offset.
   * @returns Bytes written, or an errno.
   */
  writeAt(buf: Uint8Array, pos: number): number | Errno {
    const end = pos + buf.length;
    if (!this.spill && this.host.spill && end > this.host.spill.threshold) {
      const r = this.#spillOut(Math.max(this.size, end));
      if (r < 0) return r;
    }
    if (this.spill) {
      if (end > this.size) {
        const r = this.resize(end);
        if (r < 0) return r;
      }
      return this.#spillIo("write", buf, pos);
    }
    // Chunk by chunk, so that a full file system gives a short write, then an error, as
    // write(2) does.
    let done = 0;
    while (done < buf.length) {
      const p = pos + done;
      const off = p % CHUNK;
      const len = Math.min(CHUNK - off, buf.length - done);
      const chunk = this.#chunkFor((p - off) / CHUNK, off + len);
      if (typeof chunk === "number") {
        if (done > 0) break;
        return chunk;
      }
      chunk.set(buf.subarray(done, done + len), off);
      done += len;
    }
    if (pos + done > this.size) this.size = pos + done;
    return done;
  }

  /** Chunk `index`, allocated (and charged) so that it holds at least `need` bytes. */
  #chunkFor(index: number, need: number): Uint8Array | Errno {
    const have = this.chunks[index];
    if (have && have.length >= need) return have;
    // Only a file's first chunk starts small; every other chunk is allocated whole.
    let cap = CHUNK;
    if (index === 0 && need < CHUNK) {
      cap = Math.max(PAGE, have?.length ?? 0);
      while (cap < need) cap *= 2;
      cap = Math.min(cap, CHUNK);
    }
    const grow = cap - (have?.length ?? 0);
    const r = this.host.charge(grow);
    if (r !== 0) return r;
    this.charged += grow;
    const chunk = new Uint8Array(cap);
    if (have) chunk.set(have);
    while (this.chunks.length < index) this.chunks.push(undefined);
    this.chunks[index] = chunk;
    return chunk;
  }

  /** Drop (and uncharge) every chunk. */
  #dropChunks(): void {
    if (this.charged) this.host.uncharge(this.charged);
    this.charged = 0;
    this.chunks = [];
  }

  #spillIo(op: "read" | "write", buf: Uint8Array, pos: number): number | Errno {
    const f = this.spill as Deno.FsFile;
    let n = 0;
    try {
      f.seekSync(pos, Deno.SeekMode.Start);
      while (n < buf.length) {
        const k = op === "read" ? f.readSync(buf.subarray(n)) : f.writeSync(buf.subarray(n));
        if (!k) break;
        n += k;
      }
      return n;
    } catch (err) {
      // As write(2): a short count if some bytes went in, else the host's error.
      if (n > 0) return n;
      return hostNoSpace(err) ? Errno.ENOSPC : Errno.EIO;
    }
  }

  /** Move the data to a host file (the size crossed the spill threshold). */
  #spillOut(size: number): 0 | Errno {
    const sp = this.host.spill as { dir: string; threshold: number };
    const r = this.host.chargeDisk(size);
    if (r !== 0) return r;
    const path = `${sp.dir}/${this.host.dev}-${this.ino}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      // The spill directory (and the container's) is made at the first spill.
      const f = openMakingDir(path, { read: true, write: true, createNew: true, mode: 0o600 });
      this.chunks.forEach((chunk, i) => {
        if (!chunk) return;
        const bytes = chunk.subarray(0, Math.max(0, Math.min(chunk.length, this.size - i * CHUNK)));
        f.seekSync(i * CHUNK, Deno.SeekMode.Start);
        for (let n = 0; n < bytes.length;) n += f.writeSync(bytes.subarray(n));
      });
      f.truncateSync(size);
      this.spill = f;
      this.spillPath = path;
    } catch (err) {
      this.host.unchargeDisk(size);
      try {
        Deno.removeSync(path);
      } catch { /* never created */ }
      return hostNoSpace(err) ? Errno.ENOSPC : Errno.EIO;
    }
    this.#dropChunks();
    this.size = size;
    return 0;
  }

  /**
   * The file's bytes for a layer writer: in memory, or streamed from the spill file.
   *
   * @returns Bytes, or a size and a way to stream them.
   */
  contents(): Uint8Array | { size: number; open: () => AsyncIterable<Uint8Array> } {
    if (!this.spill && this.size <= CHUNK) {
      const bytes = new Uint8Array(this.size);
      this.readAt(bytes, 0);
      return bytes;
    }
    const size = this.size;
    return { size, open: () => this.#chunks(size) };
  }

  async *#chunks(size: number): AsyncGenerator<Uint8Array> {
    const buf = new Uint8Array(1 << 20);
    for (let off = 0; off < size;) {
      const n = this.readAt(buf, off);
      if (typeof n !== "number" || n <= 0) break;
      yield buf.slice(0, n);
      off += n;
    }
  }

  /**
   * Set the size, growing capacity (charged) or shrinking it (uncharged).
   *
   * @param size New size.
   * @returns 0 or an errno.
   */
  resize(size: number): 0 | Errno {
    if (this.spill) {
      const r = this.host.chargeDisk(size - this.size);
      if (r !== 0) return r;
      try {
        this.spill.truncateSync(size);
      } catch {
        this.host.unchargeDisk(size - this.size);
        return Errno.EIO;
      }
      this.size = size;
      return 0;
    }
    if (this.host.spill && size > this.host.spill.threshold) return this.#spillOut(size);
    if (size < this.size) {
      // Chunks past the end go; the tail of the last one is zeroed so that growing the
      // file again reads zeros there, as after ftruncate(2).
      const keep = Math.ceil(size / CHUNK);
      for (let i = keep; i < this.chunks.length; i++) {
        const chunk = this.chunks[i];
        if (!chunk) continue;
        this.host.uncharge(chunk.length);
        this.charged -= chunk.length;
      }
      this.chunks.length = Math.min(this.chunks.length, keep);
      const last = this.chunks[keep - 1];
      if (last && size % CHUNK) last.fill(0, size % CHUNK);
      if (size === 0) this.#dropChunks();
    }
    // Growth leaves a hole: nothing to allocate until it is written.
    this.size = size;
    return 0;
  }

  /** Release everything (the file is gone). */
  free(): void {
    if (this.spill) {
      try {
        this.spill.close();
        Deno.removeSync(this.spillPath);
      } catch { /* already gone */ }
      this.host.unchargeDisk(this.size);
      this.spill = null;
    }
    this.#dropChunks();
    this.size = 0;
  }
}

/** Whether a host file error is "No space left on device" (or a quota). */
function hostNoSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" || /os error (28|122)\b/.test(String(err));
}
