/**
 * Terminal ioctl numbers shared by the kernel's terminals (the pseudo-terminals of
 * devpts, `fs/devpts/pty.ts`; containers' `-t` terminals are such pairs).
 *
 * @module
 */

/** `TIOCGWINSZ`: the window size, `{rows, cols}`. */
export const TIOCGWINSZ = 0x5413;
/** `TIOCSWINSZ`: set the window size (`SIGWINCH` to the foreground group). */
export const TIOCSWINSZ = 0x5414;
/** `FIONREAD`: bytes ready to read. */
export const FIONREAD = 0x541b;
