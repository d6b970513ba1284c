/**
 * The canonical-mode line discipline of `run -it` terminals. It lives with the kernel's
 * terminals (`runtime/kernel/fs/devfs/tty_line.ts`), where the devpts pseudo-terminals
 * use it too; this module keeps the container's import path.
 *
 * @module
 */
export { LineDiscipline, type LineSinks } from "../kernel/fs/devfs/tty_line.ts";
