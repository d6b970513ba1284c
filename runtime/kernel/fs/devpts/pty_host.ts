/**
 * The master side of a pseudo-terminal held by the host (the daemon), as runc hands the
 * master of a container's console to its caller: what the terminal shows comes out of
 * {@link HostTerminal.output}, keystrokes go in through {@link HostTerminal.type} (the line
 * discipline then echoes, edits and signals the foreground group), and a resize is a
 * `TIOCSWINSZ` (`SIGWINCH` to the foreground group). The master is read and written
 * without blocking: when it would block the host waits for the pair to become ready, so
 * no process sleeps on its behalf.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Task } from "../../task.ts";
import type { FileHandle, IoContext } from "../../vfs/types.ts";
import { TIOCSWINSZ } from "../devfs/tty.ts";

/** The master of a pseudo-terminal, from the host. */
export interface HostTerminal {
  /** The slave's number (`/dev/pts/N`). */
  readonly index: number;
  /** What programs write to the terminal, plus the echo; ends once every slave is closed. */
  readonly output: ReadableStream<Uint8Array>;
  /** Type keystrokes (in order; waits while the terminal's input is full). */
  type(bytes: Uint8Array): void;
  /** Set the window size (`SIGWINCH` to the foreground group when it changes). */
  resize(rows: number, cols: number): void;
  /** Close the master: the terminal hangs up (`SIGHUP` to its session). Idempotent. */
  close(): void;
}

/**
 * Wrap an open master.
 *
 * @param index The pair's number.
 * @param master The master's handle (from opening `ptmx`).
 * @param release Drops the caller's reference to the master (its last one hangs up).
 * @param task A task to name in I/O contexts (never put to sleep).
 * @returns The host side.
 * @example
 * ```ts ignore
 * const t = hostTerminal(0, file.handle, () => file.unref(), process);
 * t.type(new TextEncoder().encode("ls\r"));
 * ```
 */
export function hostTerminal(
  index: number,
  master: FileHandle,
  release: () => void,
  task: Task,
): HostTerminal {
  const io: IoContext = { task, nonblock: true };
  const ready = () => master.waitReady?.() ?? new Promise<void>((r) => setTimeout(r, 10));
  let closed = false;
  const buf = new Uint8Array(65536);
  const output = new ReadableStream<Uint8Array>({
    pull: async (c) => {
      for (;;) {
        // A non-blocking read answers synchronously: wait for readiness in the same turn, so
        // no wake-up falls between the EAGAIN and the wait.
        const r0 = master.read(buf, 0, io);
        const r = r0 instanceof Promise ? await r0 : r0;
        if (r === Errno.EAGAIN && !closed) {
          await ready();
          continue;
        }
        if (typeof r !== "number" || r <= 0) {
          c.close();
          return;
        }
        c.enqueue(buf.slice(0, r));
        return;
      }
    },
  }, { highWaterMark: 1 });
  let typing = Promise.resolve();
  const typeAll = async (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length && !closed) {
      const w0 = master.write(bytes.subarray(off), 0, io);
      const w = w0 instanceof Promise ? await w0 : w0;
      if (w === Errno.EAGAIN) await ready();
      else if (w < 0) return;
      else off += w;
    }
  };
  return {
    index,
    output,
    type: (bytes) => {
      const copy = bytes.slice();
      typing = typing.then(() => typeAll(copy));
    },
    resize: (rows, cols) => {
      if (!closed) master.ioctl?.(TIOCSWINSZ, { rows, cols });
    },
    close: () => {
      if (closed) return;
      closed = true;
      release();
    },
  };
}
