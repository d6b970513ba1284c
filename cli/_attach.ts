/**
 * The client side of attach and exec sessions: demultiplex the daemon's framed
 * stream (or copy the raw TTY stream) to stdout/stderr, send stdin, put the terminal in
 * raw mode with `-t`, forward window size changes, and detach on Ctrl-P Ctrl-Q.
 *
 * @module
 */
import type { ApiResponse } from "../runtime/daemon/http_client.ts";
import { FrameDecoder } from "../runtime/daemon/stream_framing.ts";

/** Options of a session. */
export interface SessionOptions {
  /** The stream is raw (TTY) rather than framed. */
  tty: boolean;
  /** Send our stdin. */
  stdin: boolean;
  /** Called with the terminal size at start and on SIGWINCH (TTY sessions). */
  resize?: (rows: number, cols: number) => void;
}

/** How a session ended. */
export interface SessionEnd {
  /** The user detached (Ctrl-P Ctrl-Q). */
  detached: boolean;
}

async function writeAll(
  f: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let rest = data;
  while (rest.length > 0) rest = rest.subarray(await f.write(rest));
}

/**
 * Run a session over a hijacked (or plain streamed) response until the daemon closes it.
 *
 * @param res The response carrying the session.
 * @param opts TTY, stdin and resize.
 * @returns Whether the user detached.
 * @example
 * ```ts ignore
 * const end = await runSession(res, { tty: false, stdin: false });
 * ```
 */
export async function runSession(res: ApiResponse, opts: SessionOptions): Promise<SessionEnd> {
  let detached = false;
  const rawTerminal = opts.tty && opts.stdin && Deno.stdin.isTerminal();
  if (rawTerminal) Deno.stdin.setRaw(true, { cbreak: false });
  let onWinch: (() => void) | undefined;
  if (opts.tty && opts.resize && Deno.stdout.isTerminal()) {
    const send = () => {
      try {
        const { rows, columns } = Deno.consoleSize();
        opts.resize!(rows, columns);
      } catch { /* no terminal */ }
    };
    send();
    onWinch = send;
    try {
      Deno.addSignalListener("SIGWINCH", onWinch);
    } catch { /* not supported */ }
  }
  let stopInput = () => {};
  const input = opts.stdin
    ? (async () => {
      const reader = Deno.stdin.readable.getReader();
      stopInput = () => {
        reader.cancel().catch(() => {});
      };
      let sawCtrlP = false;
      try {
        while (true) {
          const { value, done } = await reader.read();
          if (done || !value) break;
          // The daemon acts on the detach keys (Ctrl-P Ctrl-Q); the CLI only notes them.
          await res.write(value);
          if (opts.tty) {
            for (let i = 0; i < value.length; i++) {
              if (sawCtrlP && value[i] === 17) {
                detached = true;
                return;
              }
              sawCtrlP = value[i] === 16;
            }
          }
        }
        res.closeWrite();
      } catch {
        /* the session ended */
      } finally {
        reader.releaseLock();
      }
    })()
    : Promise.resolve();
  try {
    const decoder = new FrameDecoder();
    for await (const piece of res.stream()) {
      if (opts.tty) {
        await writeAll(Deno.stdout, piece);
        continue;
      }
      for (const f of decoder.push(piece)) {
        // Docker's systemerr: an error of the stream, as Docker's client reads it.
        if (f.stream === 3) throw new Error(new TextDecoder().decode(f.data));
        await writeAll(f.stream === 2 ? Deno.stderr : Deno.stdout, f.data);
      }
    }
  } catch (err) {
    if (!detached) throw err;
  } finally {
    if (rawTerminal) {
      try {
        Deno.stdin.setRaw(false);
      } catch { /* gone */ }
    }
    if (onWinch) {
      try {
        Deno.removeSignalListener("SIGWINCH", onWinch);
      } catch { /* gone */ }
    }
    stopInput();
  }
  void input;
  return { detached };
}
