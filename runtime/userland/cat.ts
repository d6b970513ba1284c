/**
 * `cat [-nbsAE] [FILE]...`: concatenate files to stdout.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { openInput, readSome, writeAll } from "./_io.ts";

/**
 * The `cat` applet. Without line options it copies bytes straight through.
 *
 * @example
 * ```ts ignore
 * await cat(sys, ["cat", "/etc/hostname"]);
 * ```
 */
export const cat = applet({
  name: "cat",
  usage:
    "cat [-nbvteATE] [FILE]...\n\nPrint FILEs to stdout\n\n\t-n\tNumber output lines\n\t-b\tNumber nonblank lines\n\t-s\tSqueeze multiple blank lines\n\t-v\tShow nonprinting characters as ^x or M-x\n\t-T\tShow tabs as ^I\n\t-E\tShow end of line as '$'\n\t-A\tSame as -vTE\n\t-e\tSame as -vE\n\t-t\tSame as -vT",
  spec: {
    flags: "nbsAEvteuT",
    long: {
      number: "n",
      "number-nonblank": "b",
      "squeeze-blank": "s",
      "show-ends": "E",
      "show-all": "A",
    },
  },
  async run(ctx, opts) {
    const files = opts.operands.length ? opts.operands : ["-"];
    const numberAll = opts.has("n");
    const numberNonBlank = opts.has("b");
    const ends = opts.has("E") || opts.has("A") || opts.has("e");
    const tabs = opts.has("T") || opts.has("A") || opts.has("t");
    const visible = opts.has("v") || opts.has("A") || opts.has("e") || opts.has("t");
    const squeeze = opts.has("s");
    const lineMode = numberAll || numberNonBlank || ends || squeeze || tabs || visible;
    const buf = new Uint8Array(65536);
    let lineNo = 0;
    let atLineStart = true;
    let prevBlank = false;
    const dec = new TextDecoder();
    for (const f of files) {
      const fd = await openInput(ctx.sys, f);
      if (isErrno(fd)) {
        await ctx.fail(f, fd);
        continue;
      }
      for (;;) {
        const n = await readSome(ctx.sys, fd, buf);
        if (isErrno(n)) {
          await ctx.fail(f, n);
          break;
        }
        if (n === 0) break;
        if (!lineMode) {
          await ctx.out.flush();
          const w = await writeAll(ctx.sys, 1, buf.subarray(0, n));
          if (w) {
            await ctx.fail("write error", w);
            return 1;
          }
          continue;
        }
        const text = visible
          ? latin1(buf.subarray(0, n))
          : dec.decode(buf.subarray(0, n), { stream: true });
        let out = "";
        for (const ch of text) {
          if (atLineStart) {
            const blank = ch === "\n";
            if (squeeze && blank && prevBlank) continue;
            prevBlank = blank;
            if (numberAll || (numberNonBlank && !blank)) {
              out += String(++lineNo).padStart(6, " ") + "\t";
            }
          }
          if (ch === "\n") {
            out += ends ? "$\n" : "\n";
            atLineStart = true;
          } else {
            out += ch === "\t" && tabs ? "^I" : visible ? showNonprinting(ch.charCodeAt(0)) : ch;
            atLineStart = false;
          }
        }
        await ctx.out.write(out);
      }
      if (fd !== 0) ctx.sys.close(fd);
    }
    return ctx.status;
  },
});

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/**
 * `cat -v` notation for a byte: `^X` for controls, `M-` for bytes >= 128, `^?` for DEL.
 *
 * @param c Byte value (not newline; tabs are handled by the caller).
 * @returns The visible form.
 */
export function showNonprinting(c: number): string {
  let prefix = "";
  if (c >= 128) {
    prefix = "M-";
    c -= 128;
  }
  if (c === 9 && !prefix) return "\t";
  if (c < 32) return `${prefix}^${String.fromCharCode(c + 64)}`;
  if (c === 127) return `${prefix}^?`;
  return prefix + String.fromCharCode(c);
}
