/**
 * Turning failures into what the user reads and Docker's exit codes: the daemon's
 * message, plus the way out where Berth knows it.
 *
 * @module
 */
import { DaemonError } from "./_client.ts";
import { DaemonUnreachableError } from "../runtime/daemon/http_client.ts";
import { UsageError } from "./_args.ts";

/** A failure a command reports with a chosen exit code (126, 127, the container's). */
export class ExitError extends Error {
  /**
   * Create it.
   *
   * @param code Exit code.
   * @param message Text to print (may be empty).
   */
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "ExitError";
  }
}

/**
 * Explain an error: the text to print and the exit code.
 *
 * @param err What was thrown.
 * @param debug Whether to include stack traces.
 * @returns The message and the exit code.
 * @example
 * ```ts
 * import { explainError } from "./_errors.ts";
 * console.assert(explainError(new Error("x"), false).code === 125);
 * ```
 */
export function explainError(err: unknown, debug: boolean): { message: string; code: number } {
  if (err instanceof ExitError) return { message: err.message, code: err.code };
  if (err instanceof UsageError) return { message: `berth: ${err.message}`, code: 125 };
  if (err instanceof DaemonError) {
    let hint = "";
    const noImage = /^No such image: (.+)$/.exec(err.message);
    if (noImage) {
      hint = `\nTry "berth images" to list images, or "berth build -t ${
        noImage[1]
      } ." to build it.`;
    } else if (/^No such container: /.test(err.message)) {
      hint = `\nTry "berth ps -a" to list containers.`;
    } else {
      const stopped = /^cannot join (?:IPC|PID) of a non running container: (.+)$/.exec(
        err.message,
      );
      if (stopped) hint = `\nStart it first ("berth start ${stopped[1]}"), then this one.`;
      else if (/non-shareable IPC/.test(err.message)) {
        hint = `\nRun the other container with "--ipc shareable" to share its IPC namespace.`;
      }
    }
    return { message: `Error response from daemon: ${err.message}${hint}`, code: 125 };
  }
  if (err instanceof DaemonUnreachableError) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    return {
      message:
        `${err.message}${cause}. Is the daemon running? Try "berth daemon" to run it in the foreground.`,
      code: 125,
    };
  }
  const e = err as Error;
  return {
    message: `berth: ${debug && e?.stack ? e.stack : (e?.message ?? String(err))}`,
    code: 125,
  };
}
