/**
 * The line discipline of a terminal, as Linux's `N_TTY`, driven by its termios
 * attributes (`syscalls/termios.ts`). Cooked (`ICANON`, the default): typed bytes are
 * echoed, edited (`VERASE`/Backspace, `VKILL`, `VWERASE`) and handed to the program a line
 * at a time; `VEOF` on an empty line is end of input. Raw or cbreak (`-icanon`): bytes are
 * handed on as typed. `ISIG`: `VINTR` interrupts (and `VQUIT` quits, `VSUSP` suspends,
 * when the owner handles them); without it they are bytes like any other. `ECHO`,
 * `ECHONL`, `ICRNL`, `INLCR`, `IGNCR` and the output flags `OPOST`/`ONLCR`/`OCRNL` apply
 * (see {@link outputProcess}). The pseudo-terminals of devpts use it (and so `run -t`,
 * whose terminal is such a pair).
 *
 * Not modelled: `IXON` flow control (`^S`/`^Q` are typed as bytes), `VLNEXT`, `VREPRINT`,
 * `ISTRIP`, `IUCLC`/`OLCUC`, `PENDIN`, `ECHOPRT`.
 *
 * @module
 */
import { IFLAG, LFLAG, OFLAG, saneTermios, type Termios, V } from "../../syscalls/termios.ts";

/** Longest line the discipline holds (Linux `N_TTY_BUF_SIZE` - 1). */
export const MAX_LINE = 4095;

/** Where the discipline sends things. */
export interface LineSinks {
  /** A finished line (with its "\n"), or in raw mode the bytes typed, for the program. */
  input(line: Uint8Array): void;
  /** Echo for the user's screen. */
  echo(bytes: Uint8Array): void;
  /** `VINTR` (Ctrl-C) with `ISIG`. */
  interrupt(): void;
  /** `VEOF` (Ctrl-D) on an empty line, in cooked mode. */
  eof(): void;
  /** Ctrl-\ (`SIGQUIT` to the foreground); absent: the byte is typed as any other. */
  quit?(): void;
  /** Ctrl-Z (`SIGTSTP` to the foreground); absent: the byte is typed as any other. */
  suspend?(): void;
}

/**
 * Output processing of bytes a program writes to a terminal (`OPOST`): `ONLCR` turns
 * "\n" into "\r\n", `OCRNL` turns "\r" into "\n". Without `OPOST` bytes pass unchanged.
 *
 * @param t The terminal's attributes.
 * @param buf Bytes written.
 * @returns The bytes to show (a copy).
 * @example
 * ```ts
 * import { outputProcess } from "./tty_line.ts";
 * import { saneTermios } from "../../syscalls/termios.ts";
 * const out = outputProcess(saneTermios(), new TextEncoder().encode("a\n"));
 * console.assert(out.length === 3);
 * ```
 */
export function outputProcess(t: Termios, buf: Uint8Array): Uint8Array {
  const post = (t.oflag & OFLAG.OPOST) !== 0;
  const nlcr = post && (t.oflag & OFLAG.ONLCR) !== 0;
  const crnl = post && (t.oflag & OFLAG.OCRNL) !== 0;
  if ((!nlcr || !buf.includes(10)) && (!crnl || !buf.includes(13))) return buf.slice();
  const out: number[] = [];
  for (const b of buf) {
    if (b === 10 && nlcr) out.push(13, 10);
    else if (b === 13 && crnl) out.push(10);
    else out.push(b);
  }
  return new Uint8Array(out);
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
  #termios: Termios;

  /**
   * Create it.
   *
   * @param sinks Where lines, echo and signals go.
   * @param termios Initial attributes (default: sane, cooked with echo).
   */
  constructor(sinks: LineSinks, termios: Termios = saneTermios()) {
    this.#sinks = sinks;
    this.#termios = termios;
  }

  /** The current attributes (the discipline's own: read them, change them with {@link setTermios}). */
  get termios(): Readonly<Termios> {
    return this.#termios;
  }

  /**
   * Change the attributes (`TCSETS`). Leaving canonical mode hands the partial line to
   * the program, as Linux makes it readable; `flush` (`TCSETSF`) discards it instead.
   *
   * @param t New attributes.
   * @param flush Discard the line being typed.
   */
  setTermios(t: Termios, flush: boolean): void {
    const wasCanon = this.#canon;
    this.#termios = { ...t, cc: t.cc.slice() };
    if (flush) this.#line = [];
    else if (wasCanon && !this.#canon && this.#line.length > 0) this.#deliver();
  }

  get #canon(): boolean {
    return (this.#termios.lflag & LFLAG.ICANON) !== 0;
  }

  /**
   * Bytes typed on the user's (raw) terminal.
   *
   * @param bytes The keystrokes.
   */
  type(bytes: Uint8Array): void {
    const t = this.#termios;
    const cc = t.cc;
    const echoOn = (t.lflag & LFLAG.ECHO) !== 0;
    const isig = (t.lflag & LFLAG.ISIG) !== 0;
    const canon = this.#canon;
    const nl = (t.oflag & OFLAG.OPOST) !== 0 && (t.oflag & OFLAG.ONLCR) !== 0 ? [13, 10] : [10];
    const echo: number[] = [];
    const raw: number[] = [];
    const flush = () => {
      if (raw.length > 0) this.#sinks.input(new Uint8Array(raw.splice(0)));
      if (echo.length > 0) this.#sinks.echo(new Uint8Array(echo.splice(0)));
    };
    const echoChar = (b: number) => {
      if (!echoOn) return;
      if (b === 10) echo.push(...nl);
      else if (b >= 32 || b === 9) echo.push(b);
      else if (!canon && (t.lflag & LFLAG.ECHOCTL) !== 0) echo.push(0x5e, b + 0x40);
      else if (!canon) echo.push(b);
    };
    const eraseEcho = () => {
      if (echoOn && (t.lflag & LFLAG.ECHOE) !== 0) echo.push(8, 32, 8);
    };
    for (let b of bytes) {
      if (b === 13) {
        if (t.iflag & IFLAG.IGNCR) continue;
        if (t.iflag & IFLAG.ICRNL) b = 10;
      } else if (b === 10 && (t.iflag & IFLAG.INLCR)) b = 13;
      if (isig && b !== 0) {
        const quit = b === cc[V.QUIT] && this.#sinks.quit;
        const susp = b === cc[V.SUSP] && this.#sinks.suspend;
        if (b === cc[V.INTR] || quit || susp) {
          if ((t.lflag & LFLAG.NOFLSH) === 0) this.#line = [];
          if (echoOn) echo.push(0x5e, b + 0x40, ...nl);
          flush();
          if (b === cc[V.INTR]) this.#sinks.interrupt();
          else if (quit) this.#sinks.quit?.();
          else this.#sinks.suspend?.();
          continue;
        }
      }
      if (!canon) {
        raw.push(b);
        echoChar(b);
        continue;
      }
      if (b === cc[V.EOF] && b !== 0) {
        if (this.#line.length === 0) {
          flush();
          this.#sinks.eof();
        } else {
          flush();
          this.#deliver();
        }
      } else if (b === 10 || (b === cc[V.EOL] && b !== 0)) {
        if (echoOn || (t.lflag & LFLAG.ECHONL)) echo.push(...(b === 10 ? nl : [b]));
        this.#line.push(b);
        flush();
        this.#deliver();
      } else if ((b === cc[V.ERASE] && b !== 0) || b === 8 || b === 127) {
        if (this.#line.length > 0) {
          this.#eraseLast();
          eraseEcho();
        }
      } else if (b === cc[V.KILL] && b !== 0) {
        while (this.#line.length > 0) {
          this.#eraseLast();
          if ((t.lflag & LFLAG.ECHOK) !== 0) eraseEcho();
        }
      } else if (b === cc[V.WERASE] && b !== 0) {
        while (this.#line.length > 0 && this.#line.at(-1) === 32) {
          this.#line.pop();
          eraseEcho();
        }
        while (this.#line.length > 0 && this.#line.at(-1) !== 32) {
          this.#eraseLast();
          eraseEcho();
        }
      } else if (this.#line.length < MAX_LINE) {
        // A line holds at most 4095 bytes (N_TTY): the rest is dropped until a newline.
        // Escape sequences (arrows …) are passed on unechoed.
        this.#line.push(b);
        echoChar(b);
      }
    }
    flush();
  }

  /** Remove the last character (a whole UTF-8 sequence). */
  #eraseLast(): void {
    while (this.#line.length > 0) {
      const b = this.#line.pop()!;
      if ((b & 0xc0) !== 0x80) break;
    }
  }

  #deliver(): void {
    const line = new Uint8Array(this.#line);
    this.#line = [];
    this.#sinks.input(line);
  }

  /** Bytes of a line being typed, not yet delivered. */
  get pending(): number {
    return this.#line.length;
  }
}
