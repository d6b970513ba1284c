/**
 * Terminal attributes as the `ioctl` surface passes them: `TCGETS`, `TCSETS`, `TCSETSW`
 * and `TCSETSF` take a `Uint8Array` of at least {@link TERMIOS_SIZE} bytes laid out as
 * Linux's kernel `struct termios` (x86_64, little-endian): `c_iflag`, `c_oflag`,
 * `c_cflag`, `c_lflag` (u32 each), `c_line` (u8), `c_cc[19]`. `TCGETS` fills the buffer
 * (the caller's "pointer"), the `TCSETS*` calls read it; all return 0. A WASI or C
 * translation layer copies the same 36 bytes out of guest memory.
 *
 * Honoured by the pseudo-terminals of devpts (`runtime/kernel/fs/devfs/tty_line.ts`):
 * `ICANON`, `ECHO`, `ECHOE`, `ECHOK`, `ECHOCTL`, `ECHONL`, `ISIG`, `ICRNL`, `INLCR`,
 * `IGNCR`, `OPOST`, `ONLCR`, `OCRNL`, the control characters `VINTR VQUIT VERASE VKILL VEOF
 * VWERASE VSUSP VEOL` and `VMIN`/`VTIME`. Other bits are stored and read back unchanged
 * (speeds, parity, `ISTRIP`, flow control: a pseudo-terminal has no line to drive).
 *
 * @module
 */

/** Terminal attribute requests (Linux numbers). */
export const TC = {
  /** Get the attributes into a {@link TERMIOS_SIZE}-byte buffer. */
  GETS: 0x5401,
  /** Set the attributes now. */
  SETS: 0x5402,
  /** Set them once output is drained (a pty's output is always drained: same as SETS). */
  SETSW: 0x5403,
  /** Drain output, discard unread input, then set them. */
  SETSF: 0x5404,
} as const;

/** Bytes of Linux's kernel `struct termios`. */
export const TERMIOS_SIZE = 36;
/** Control characters in `c_cc` (Linux `NCCS`). */
export const NCCS = 19;

/** Indexes into `c_cc`. */
export const V = {
  INTR: 0,
  QUIT: 1,
  ERASE: 2,
  KILL: 3,
  EOF: 4,
  TIME: 5,
  MIN: 6,
  SWTC: 7,
  START: 8,
  STOP: 9,
  SUSP: 10,
  EOL: 11,
  REPRINT: 12,
  DISCARD: 13,
  WERASE: 14,
  LNEXT: 15,
  EOL2: 16,
} as const;

/** Input flags (`c_iflag`). */
export const IFLAG = {
  IGNBRK: 0o1,
  BRKINT: 0o2,
  IGNPAR: 0o4,
  PARMRK: 0o10,
  INPCK: 0o20,
  ISTRIP: 0o40,
  INLCR: 0o100,
  IGNCR: 0o200,
  ICRNL: 0o400,
  IUCLC: 0o1000,
  IXON: 0o2000,
  IXANY: 0o4000,
  IXOFF: 0o10000,
  IMAXBEL: 0o20000,
  IUTF8: 0o40000,
} as const;

/** Output flags (`c_oflag`). */
export const OFLAG = {
  OPOST: 0o1,
  OLCUC: 0o2,
  ONLCR: 0o4,
  OCRNL: 0o10,
  ONOCR: 0o20,
  ONLRET: 0o40,
  OFILL: 0o100,
  OFDEL: 0o200,
} as const;

/** Control flags (`c_cflag`). */
export const CFLAG = {
  B38400: 0o17,
  CS8: 0o60,
  CSTOPB: 0o100,
  CREAD: 0o200,
  PARENB: 0o400,
  PARODD: 0o1000,
  HUPCL: 0o2000,
  CLOCAL: 0o4000,
  CRTSCTS: 0o20000000000,
} as const;

/** Local flags (`c_lflag`). */
export const LFLAG = {
  ISIG: 0o1,
  ICANON: 0o2,
  XCASE: 0o4,
  ECHO: 0o10,
  ECHOE: 0o20,
  ECHOK: 0o40,
  ECHONL: 0o100,
  NOFLSH: 0o200,
  TOSTOP: 0o400,
  ECHOCTL: 0o1000,
  ECHOPRT: 0o2000,
  ECHOKE: 0o4000,
  FLUSHO: 0o10000,
  PENDIN: 0o40000,
  IEXTEN: 0o100000,
} as const;

/** Terminal attributes, decoded. */
export interface Termios {
  /** Input modes. */
  iflag: number;
  /** Output modes. */
  oflag: number;
  /** Control modes. */
  cflag: number;
  /** Local modes. */
  lflag: number;
  /** Line discipline number (0, `N_TTY`). */
  line: number;
  /** Control characters, {@link NCCS} of them, indexed by {@link V}. */
  cc: Uint8Array;
}

/**
 * The attributes of a new terminal, as Linux's `tty_std_termios` plus `IUTF8` (what
 * `stty sane` restores): cooked, echoing, signals on, `ICRNL`, `OPOST|ONLCR`.
 *
 * @returns A fresh copy.
 * @example
 * ```ts
 * import { LFLAG, saneTermios } from "./termios.ts";
 * console.assert((saneTermios().lflag & LFLAG.ICANON) !== 0);
 * ```
 */
export function saneTermios(): Termios {
  const cc = new Uint8Array(NCCS);
  cc[V.INTR] = 3;
  cc[V.QUIT] = 28;
  cc[V.ERASE] = 127;
  cc[V.KILL] = 21;
  cc[V.EOF] = 4;
  cc[V.TIME] = 0;
  cc[V.MIN] = 1;
  cc[V.START] = 17;
  cc[V.STOP] = 19;
  cc[V.SUSP] = 26;
  cc[V.REPRINT] = 18;
  cc[V.DISCARD] = 15;
  cc[V.WERASE] = 23;
  cc[V.LNEXT] = 22;
  return {
    iflag: IFLAG.ICRNL | IFLAG.IXON | IFLAG.IUTF8,
    oflag: OFLAG.OPOST | OFLAG.ONLCR,
    cflag: CFLAG.B38400 | CFLAG.CS8 | CFLAG.CREAD | CFLAG.HUPCL,
    lflag: LFLAG.ISIG | LFLAG.ICANON | LFLAG.ECHO | LFLAG.ECHOE | LFLAG.ECHOK |
      LFLAG.ECHOCTL | LFLAG.ECHOKE | LFLAG.IEXTEN,
    line: 0,
    cc,
  };
}

/**
 * Write attributes into a `struct termios` buffer.
 *
 * @param t The attributes.
 * @param buf At least {@link TERMIOS_SIZE} bytes.
 * @returns true, or false when the buffer is too small.
 * @example
 * ```ts
 * import { encodeTermios, saneTermios, TERMIOS_SIZE } from "./termios.ts";
 * const buf = new Uint8Array(TERMIOS_SIZE);
 * console.assert(encodeTermios(saneTermios(), buf) === true);
 * ```
 */
export function encodeTermios(t: Termios, buf: Uint8Array): boolean {
  if (buf.length < TERMIOS_SIZE) return false;
  const dv = new DataView(buf.buffer, buf.byteOffset, TERMIOS_SIZE);
  dv.setUint32(0, t.iflag >>> 0, true);
  dv.setUint32(4, t.oflag >>> 0, true);
  dv.setUint32(8, t.cflag >>> 0, true);
  dv.setUint32(12, t.lflag >>> 0, true);
  buf[16] = t.line & 0xff;
  buf.set(t.cc.subarray(0, NCCS), 17);
  return true;
}

/**
 * Read attributes out of a `struct termios` buffer.
 *
 * @param buf At least {@link TERMIOS_SIZE} bytes.
 * @returns The attributes, or null when the buffer is too small.
 * @example
 * ```ts
 * import { decodeTermios, encodeTermios, saneTermios, TERMIOS_SIZE } from "./termios.ts";
 * const buf = new Uint8Array(TERMIOS_SIZE);
 * encodeTermios(saneTermios(), buf);
 * console.assert(decodeTermios(buf)?.cc[0] === 3);
 * ```
 */
export function decodeTermios(buf: Uint8Array): Termios | null {
  if (buf.length < TERMIOS_SIZE) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, TERMIOS_SIZE);
  return {
    iflag: dv.getUint32(0, true),
    oflag: dv.getUint32(4, true),
    cflag: dv.getUint32(8, true),
    lflag: dv.getUint32(12, true),
    line: buf[16]!,
    cc: buf.slice(17, 17 + NCCS),
  };
}
