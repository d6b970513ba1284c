/**
 * `wc [-clwmL] [FILE]...`: count lines, words and bytes.
 *
 * @module
 */
import { type Errno, isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { openInput, readSome } from "./_io.ts";

interface Counts {
  lines: number;
  words: number;
  bytes: number;
  chars: number;
  maxLine: number;
}

/**
 * The `wc` applet, with GNU's column layout.
 *
 * @example
 * ```ts ignore
 * await wc(sys, ["wc", "-l", "/etc/passwd"]);
 * ```
 */
export const wc = applet({
  name: "wc",
  usage: "wc [-cmlwL] [FILE]...\n\nCount lines, words, and bytes for FILEs (or stdin)\n\n" +
    "\t-c\tCount bytes\n\t-m\tCount characters\n\t-l\tCount newlines\n\t-w\tCount words\n\t-L\tPrint longest line length",
  spec: {
    flags: "cmlwL",
    long: { bytes: "c", chars: "m", lines: "l", words: "w", "max-line-length": "L" },
  },
  async run(ctx, opts) {
    let show = ["l", "w", "m", "c", "L"].filter((k) => opts.has(k));
    if (show.length === 0) show = ["l", "w", "c"];
    const files = opts.operands.length ? opts.operands : ["-"];
    const results: { name: string; c: Counts; stdinLike: boolean }[] = [];
    const total: Counts = { lines: 0, words: 0, bytes: 0, chars: 0, maxLine: 0 };
    for (const f of files) {
      const fd = await openInput(ctx.sys, f);
      if (isErrno(fd)) {
        await ctx.fail(f, fd);
        continue;
      }
      const st = ctx.sys.fstat(fd);
      const c = await count(ctx.sys, fd, show);
      if (fd !== 0) ctx.sys.close(fd);
      if (isErrno(c)) {
        await ctx.fail(f, c);
        continue;
      }
      results.push({
        name: f === "-" && opts.operands.length === 0 ? "" : f,
        c,
        stdinLike: isErrno(st) || (st.mode & 0o170000) !== 0o100000,
      });
      total.lines += c.lines;
      total.words += c.words;
      total.bytes += c.bytes;
      total.chars += c.chars;
      total.maxLine = Math.max(total.maxLine, c.maxLine);
    }
    const rows = [...results];
    if (files.length > 1) rows.push({ name: "total", c: total, stdinLike: false });
    const pick = (c: Counts, k: string) =>
      k === "l"
        ? c.lines
        : k === "w"
        ? c.words
        : k === "c"
        ? c.bytes
        : k === "m"
        ? c.chars
        : c.maxLine;
    let width = 1;
    if (show.length > 1 || rows.length > 1) {
      width = String(Math.max(
        total.bytes,
        ...rows.map((r) => Math.max(...show.map((k) => pick(r.c, k)))),
      )).length;
      if (results.some((r) => r.stdinLike)) width = Math.max(width, 7);
    }
    let text = "";
    for (const r of rows) {
      const cols = show.map((k) => String(pick(r.c, k)).padStart(width)).join(" ");
      text += r.name ? `${cols} ${r.name}\n` : `${cols}\n`;
    }
    await ctx.out.write(text);
    return ctx.status;
  },
});

/**
 * Counts what `show` asks for. Bytes alone need no scan and lines alone a search for
 * newlines (as coreutils does); anything else looks at every byte.
 */
async function count(
  sys: Parameters<typeof readSome>[0],
  fd: number,
  show: string[],
): Promise<Counts | Errno> {
  const c: Counts = { lines: 0, words: 0, bytes: 0, chars: 0, maxLine: 0 };
  const buf = new Uint8Array(65536);
  const bytesOnly = show.every((k) => k === "c");
  const linesOnly = !bytesOnly && show.every((k) => k === "c" || k === "l");
  let inWord = false;
  let lineLen = 0;
  for (;;) {
    const n = await readSome(sys, fd, buf);
    if (isErrno(n)) return n;
    if (n === 0) break;
    c.bytes += n;
    if (bytesOnly) continue;
    if (linesOnly) {
      const view = n === buf.length ? buf : buf.subarray(0, n);
      for (let i = view.indexOf(10); i >= 0; i = view.indexOf(10, i + 1)) c.lines++;
      continue;
    }
    for (let i = 0; i < n; i++) {
      const b = buf[i]!;
      if ((b & 0xc0) !== 0x80) c.chars++;
      if (b === 10) {
        c.lines++;
        c.maxLine = Math.max(c.maxLine, lineLen);
        lineLen = 0;
      } else if ((b & 0xc0) !== 0x80) lineLen += b === 9 ? 8 - (lineLen % 8) : 1;
      const space = b === 32 || (b >= 9 && b <= 13);
      if (space) inWord = false;
      else if (!inWord) {
        inWord = true;
        c.words++;
      }
    }
  }
  c.maxLine = Math.max(c.maxLine, lineLen);
  return c;
}
