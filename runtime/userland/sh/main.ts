/**
 * The `sh` program: command-line handling (`-c`, `-s`, script files, option letters),
 * the read–parse–execute loop, and interactive mode with prompts.
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import type { Syscalls } from "../../kernel/syscalls/api.ts";
import { applyOptions, readTextFile } from "./builtins.ts";
import { SUBSHELL_PID_OPTION } from "./fork.ts";
import { expandString } from "./expand.ts";
import { Lexer } from "./lexer.ts";
import { ScriptReader, ShellSyntaxError } from "./parser.ts";
import { Shell } from "./shell.ts";
import { ExitSignal, InterruptSignal, LoopSignal, ReturnSignal, ShellError } from "./state.ts";

const SIGINT = 2;
const SIGQUIT = 3;
const SIGPIPE = 13;
const SIGTERM = 15;
const decoder = new TextDecoder();

/** Where commands come from. */
interface Source {
  /** Reads more text; undefined at end of input; null when Ctrl-C dropped the line. */
  more(prompt: string | undefined): Promise<string | undefined | null>;
}

/** Runs one complete command; returns false when the shell must stop. */
async function runCommand(sh: Shell, run: () => Promise<number>): Promise<void> {
  try {
    sh.status = await run();
  } catch (e) {
    if (e instanceof ShellError) {
      if (!e.reported) await sh.error(e.message);
      sh.status = e.status;
      if (!sh.opts.interactive) throw new ExitSignal(e.status);
      return;
    }
    if (e instanceof LoopSignal) return;
    if (e instanceof InterruptSignal) {
      await sh.print(2, "\n");
      sh.status = 130;
      return;
    }
    if (e instanceof ReturnSignal) {
      sh.status = e.code;
      return;
    }
    throw e;
  }
}

/**
 * The read–parse–execute loop over a source: each complete command runs before the
 * next is parsed.
 *
 * @param sh The shell.
 * @param src The source of text.
 * @returns The last status (or throws ExitSignal).
 */
async function runLoop(sh: Shell, src: Source): Promise<number> {
  let buffer = "";
  let line = 1;
  let eof = false;
  for (;;) {
    const reader = new ScriptReader(buffer, line, eof, sh.aliases);
    let consumed = 0;
    let needMore = false;
    for (;;) {
      let script;
      try {
        script = reader.next();
      } catch (e) {
        if (!(e instanceof ShellSyntaxError)) throw e;
        if (e.incomplete && !eof) {
          needMore = true;
          break;
        }
        sh.lineno = e.line;
        await sh.error(`Syntax error: ${e.message}`);
        sh.status = 2;
        if (!sh.opts.interactive) throw new ExitSignal(2);
        consumed = buffer.length;
        line = reader.line;
        break;
      }
      if (script === undefined) {
        consumed = buffer.length;
        break;
      }
      if (!reader.endedWithNewline && !eof) {
        needMore = true;
        break;
      }
      if (sh.opts.verbose) await sh.print(2, buffer.slice(consumed, reader.offset));
      consumed = reader.offset;
      line = reader.line;
      if (!sh.opts.noexec) await runCommand(sh, () => sh.execScript(script));
      if (sh.shared.pendingSignals.length > 0) await sh.runPendingTraps();
    }
    buffer = buffer.slice(consumed);
    if (eof) return sh.status;
    const prompt = sh.opts.interactive
      ? await promptText(sh, needMore && buffer !== "" ? "PS2" : "PS1")
      : undefined;
    const more = await src.more(prompt);
    if (more === null) {
      // Ctrl-C at a prompt: the unfinished command is dropped.
      buffer = "";
      sh.status = 130;
      continue;
    }
    if (more === undefined) {
      eof = true;
      if (buffer === "") return sh.status;
    } else buffer += more;
  }
}

async function promptText(sh: Shell, name: "PS1" | "PS2"): Promise<string> {
  const raw = sh.lookup(name) ?? "";
  if (!raw.includes("$") && !raw.includes("`")) return raw;
  try {
    const word = new Lexer(raw, () => {
      throw new ShellSyntaxError("bad prompt", 0);
    }).readWord("heredoc");
    return await expandString(word, sh);
  } catch {
    return raw;
  }
}

/** A source reading fd 0 (a line at a time on a terminal, in blocks otherwise). */
function fdSource(sh: Shell): Source {
  const buf = new Uint8Array(4096);
  return {
    async more(prompt) {
      if (prompt !== undefined) {
        await sh.print(2, prompt);
      }
      await sh.flushOut();
      for (;;) {
        const fd = sh.fds.getReal(0);
        if (fd === undefined) return undefined;
        let n = sh.sys.read(fd, buf);
        if (typeof n !== "number") n = await n;
        if (n === Errno.EINTR) {
          if (sh.opts.interactive) {
            try {
              await sh.runPendingTraps();
            } catch (e) {
              if (!(e instanceof InterruptSignal)) throw e;
              await sh.print(2, "\n");
              await sh.flushOut();
              return null;
            }
          }
          continue;
        }
        if (n <= 0) return undefined;
        return decoder.decode(buf.subarray(0, n), { stream: true });
      }
    },
  };
}

function textSource(text: string): Source {
  let given = false;
  return {
    more() {
      if (given) return Promise.resolve(undefined);
      given = true;
      return Promise.resolve(text);
    },
  };
}

const USAGE =
  "Usage: sh [-aCefnuvx] [-o option] [-c command [name [arg ...]] | -s [arg ...] | file [arg ...]]\n";

/**
 * The shell program.
 *
 * @param sys System calls of the process.
 * @param argv `sh [options] [-c cmd [name [args]] | -s [args] | file [args]]`.
 * @returns Exit status.
 * @example
 * ```ts ignore
 * const status = await sh(sys, ["sh", "-c", "echo hi"]);
 * ```
 */
export async function sh(sys: Syscalls, argv: string[]): Promise<number> {
  const arg0 = argv[0] ?? "sh";
  const shell = Shell.create(sys, arg0, []);
  const args = argv.slice(1);
  if (args[0] === SUBSHELL_PID_OPTION && args[1] !== undefined) {
    // Started by fork.ts: a subshell of the shell whose `$$` this is.
    shell.shared.pid = Number(args[1]);
    args.splice(0, 2);
  }
  if (args[0] === "--help") {
    await shell.print(1, USAGE);
    await shell.flushOut();
    return 0;
  }
  let command: string | undefined;
  let readStdin = false;
  let forceInteractive = false;
  let i = 0;
  try {
    for (; i < args.length; i++) {
      const a = args[i]!;
      if (a === "--" || a === "-") {
        i++;
        break;
      }
      if (!/^[-+]./.test(a)) break;
      let letters = "";
      for (const ch of a.slice(1)) {
        if (ch === "c") command = "";
        else if (ch === "s") readStdin = true;
        else if (ch === "i") forceInteractive = a[0] === "-";
        else letters += ch;
      }
      if (letters) {
        const r = applyOptions(shell, [
          a[0] + letters,
          ...(letters.includes("o") ? [args[i + 1] ?? ""] : []),
        ]);
        if (letters.includes("o")) i++;
        void r;
      }
    }
  } catch (e) {
    if (e instanceof ShellError) {
      await shell.print(2, `${arg0}: ${e.message.replace(/^set: /, "")}\n${USAGE}`);
      await shell.flushOut();
      return 2;
    }
    throw e;
  }
  const rest = args.slice(i);
  let source: Source;
  if (command !== undefined) {
    command = rest.shift();
    if (command === undefined) {
      await shell.print(2, `${arg0}: -c requires an argument\n`);
      await shell.flushOut();
      return 2;
    }
    if (rest.length > 0) shell.arg0 = shell.source = rest.shift()!;
    shell.params = rest;
    source = textSource(command);
  } else if (!readStdin && rest.length > 0) {
    const file = rest.shift()!;
    shell.arg0 = file;
    shell.source = file;
    shell.params = rest;
    const text = await readTextFile(shell, file);
    if (typeof text !== "string") {
      await shell.print(
        2,
        `${arg0}: 0: cannot open ${file}: ${
          text === Errno.EACCES ? "Permission denied" : "No such file"
        }\n`,
      );
      await shell.flushOut();
      return 2;
    }
    source = textSource(text.startsWith("#!") ? text : text);
  } else {
    shell.params = rest;
    const stdin = shell.fds.getReal(0);
    const tty = stdin !== undefined && sys.isatty(stdin) && sys.isatty(shell.fds.getReal(2) ?? 2);
    if (forceInteractive || tty) shell.opts.interactive = true;
    source = fdSource(shell);
  }
  if (forceInteractive) shell.opts.interactive = true;
  const pending = shell.shared.pendingSignals;
  // A write to a closed pipe fails with EPIPE in the shell instead of killing it, so a
  // pipeline part running in-process can end alone (see shell.ts).
  sys.sigaction(SIGPIPE, () => {});
  if (shell.opts.interactive) {
    shell.shared.interactive = true;
    sys.sigaction(SIGINT, (s) => void pending.push(s));
    sys.sigaction(SIGQUIT, "ignore");
    sys.sigaction(SIGTERM, "ignore");
  }
  let status: number;
  try {
    // An interactive shell first reads the file named by $ENV, as dash does.
    const envFile = shell.opts.interactive ? shell.lookup("ENV") : undefined;
    if (envFile) {
      const text = await readTextFile(shell, envFile);
      if (typeof text === "string") await runLoop(shell, textSource(text));
    }
    status = await runLoop(shell, source);
  } catch (e) {
    status = await shell.statusOf(e);
  }
  return await shell.finish(status);
}
