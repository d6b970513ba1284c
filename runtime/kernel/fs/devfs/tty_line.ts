/**
 * A canonical-mode line discipline in front of a container's terminal, as a Linux tty
 * has by default (`ICANON | ECHO`): typed bytes are echoed, edited (Backspace, Ctrl-U,
 * Ctrl-W) and handed to the program a line at a time; Ctrl-D on an empty line is end of
 * input; Ctrl-C interrupts (and Ctrl-\ quits, Ctrl-Z suspends, when the owner handles them).
 * The kernel's terminal itself is raw, so without this an interactive shell would not show
 * what is typed. Both the `run -it` terminal (`runtime/container`) and the pseudo-terminals
 * of devpts use it.
 *
 * @module
 */

/** Longest line the discipline holds (Linux `N_TTY_BUF_SIZE` - 1). */
export const MAX_LINE = 4095;

/** Where the discipline sends things. */
export interface LineSinks {
  /** A finished line (with its "\n") for the program. */
  input(line: Uint8Array): void;
  /** Echo for the user's screen. */
  echo(bytes: Uint8Array): void;
  /** Ctrl-C. */
  interrupt(): void;
  /** Ctrl-D on an empty line. */
  eof(): void;
  /** Ctrl-\ (`SIGQUIT` to the foreground); absent: the byte is typed as any other. */
  quit?(): void;
  /** Ctrl-Z (`SIGTSTP` to the foreground); absent: the byte is typed as any other. */
  suspend?(): void;
}

/**
 * The line discipline of one terminal.
 *
 * @example
 * ```ts
 * import { LineDiscipline } from "./tty_line.ts";
 * const lines: string[] = [];
 * const ld = new LineDiscipline({
 *   input: (l) => lines.push(new TextDecoder().decode(l)),
 *   echo: () => {},
 *   interrupt: () => {},
 *   eof: () => {},
 * });
 * ld.type(new TextEncoder().encode("ls -x\x7fl\r"));
 * console.assert(lines[0] === "ls -l\n");
 * ```
 */
export class LineDiscipline {
  #line: number[] = [];
  readonly #sinks: LineSinks;

  /**
   * Create it.
   *
   * @param sinks Where lines, echo and signals go.
   */
  constructor(sinks: LineSinks) {
    this.#sinks = sinks;
  }

  /**
   * Bytes typed on the user's (raw) terminal.
   *
   * @param bytes The keystrokes.
   */
  type(bytes: Uint8Array): void {
    const echo: number[] = [];
    const flushEcho = () => {
      if (echo.length > 0) this.#sinks.echo(new Uint8Array(echo.splice(0)));
    };
    for (const b of bytes) {
      switch (b) {
        case 3: // ^C
          this.#line = [];
          echo.push(0x5e, 0x43, 13, 10);
          flushEcho();
          this.#sinks.interrupt();
          break;
        case 28: // ^\
        case 26: // ^Z
          if (b === 28 ? this.#sinks.quit : this.#sinks.suspend) {
            this.#line = [];
            echo.push(0x5e, b === 28 ? 0x5c : 0x5a, 13, 10);
            flushEcho();
            if (b === 28) this.#sinks.quit?.();
            else this.#sinks.suspend?.();
          } else this.#line.push(b);
          break;
        case 4: // ^D
          if (this.#line.length === 0) {
            flushEcho();
            this.#sinks.eof();
          } else this.#deliver(false);
          break;
        case 13:
        case 10:
          echo.push(13, 10);
          flushEcho();
          this.#line.push(10);
          this.#deliver(true);
          break;
        case 127:
        case 8: // Backspace
          if (this.#line.length > 0) {
            this.#eraseLast();
            echo.push(8, 32, 8);
          }
          break;
        case 21: // ^U
          while (this.#line.length > 0) {
            this.#eraseLast();
            echo.push(8, 32, 8);
          }
          break;
        case 23: // ^W
          while (this.#line.length > 0 && this.#line.at(-1) === 32) {
            this.#line.pop();
            echo.push(8, 32, 8);
          }
          while (this.#line.length > 0 && this.#line.at(-1) !== 32) {
            this.#eraseLast();
            echo.push(8, 32, 8);
          }
          break;
        case 27: // escape sequences (arrows …) are passed on unechoed
          if (this.#line.length < MAX_LINE) this.#line.push(b);
          break;
        default:
          // A line holds at most 4095 bytes (N_TTY): the rest is dropped until a newline.
          if (this.#line.length >= MAX_LINE) break;
          this.#line.push(b);
          if (b >= 32 || b === 9) echo.push(b);
      }
    }
    flushEcho();
  }

  /** Remove the last character (a whole UTF-8 sequence). */
  #eraseLast(): void {
    while (this.#line.length > 0) {
      const b = this.#line.pop()!;
      if ((b & 0xc0) !== 0x80) break;
    }
  }

  #deliver(_newline: boolean): void {
    const line = new Uint8Array(this.#line);
    this.#line = [];
    this.#sinks.input(line);
  }

  /** Bytes of a line being typed, not yet delivered. */
  get pending(): number {
    return this.#line.length;
  }
}
