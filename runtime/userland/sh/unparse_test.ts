import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import { parseScript } from "./parser.ts";
import { unparseScript } from "./unparse.ts";

const SAMPLES = [
  `echo a 'b c' "d $x \${y:-"z w"}" \\$e ~/f`,
  `a=1 b="$(echo q)" cmd >out 2>&1 <in 3<>rw`,
  "cat <<EOF\nhello $name `x` \\$lit\nEOF\ncat <<'Q'\nraw $x\nQ",
  `if a; then b; elif c; then d; else e; fi; while x; do y; done; until x; do y; done`,
  `for i in 1 "2 3" $(seq 4); do echo $i; done; for j do :; done`,
  `case $v in (a|b) x;; c*) y ;; *) ;; esac`,
  `f() { local x=1; echo "$@"; }; ( sub ) > o; { g; } 2>/dev/null`,
  `! a | b && c || d & e`,
  `echo $((1 + (2 * x))) \${#v} \${v%%.*} \${v#"$p"}`,
  "echo $((\\`)) $((\\$x))",
  "cat <<E\n\${v:=\\a'b'}\nE\ncat <<-T\n\tx\nT",
];

Deno.test("unparseScript() round-trips: parsing its output gives the same tree", () => {
  for (const src of SAMPLES) {
    const tree = parseScript(src);
    const text = unparseScript(tree);
    assert.deepEqual(
      normalize(parseScript(text)),
      normalize(tree),
      `${src}\n--- became ---\n${text}`,
    );
  }
});

/**
 * Line numbers, here-document delimiters and `<<-` differ after unparsing, and a quoted string
 * may come back split into adjacent single-quoted pieces: drop and merge them.
 */
function normalize(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, function (this: Record<string, unknown>, k, x) {
    if (k === "line") return undefined;
    if (k === "target" && (this.op === "<<" || this.op === "<<-")) return undefined;
    // Leading tabs are stripped from a `<<-` body when it is read: it comes back as `<<`.
    if (k === "op" && x === "<<-") return "<<";
    if (k === "parts" && Array.isArray(x)) {
      // Unquoted literal characters other than pattern characters mean the same as quoted
      // ones: compare words as runs of quoted text and of pattern characters.
      const merged: { type: string; text?: string; quoted?: boolean }[] = [];
      const pieces: { type: string; text?: string; quoted?: boolean }[] = [];
      for (const part of x as { type: string; text?: string; quoted?: boolean }[]) {
        if (part.type === "lit" && !part.quoted) {
          for (const run of (part.text ?? "").match(/[*?[]+|[^*?[]+/g) ?? []) {
            pieces.push(
              /[*?[]/.test(run)
                ? { type: "lit", text: run, quoted: false }
                : { type: "sq", text: run },
            );
          }
        } else pieces.push({ ...part });
      }
      for (const p of pieces) {
        const last = merged[merged.length - 1];
        if (
          p.type === last?.type &&
          (p.type === "sq" || (p.type === "lit" && !p.quoted && !last.quoted))
        ) {
          last.text += p.text ?? "";
        } else merged.push(p);
      }
      return merged;
    }
    return x;
  }));
}

Deno.test("unparseScript() round-trips any script the parser accepts (property)", () => {
  const alphabet = fc.constantFrom(
    ..."ab $(){}|&;<>'\"`\\\n\t=*?~-:+%!019".split(""),
    "if ",
    "then ",
    "fi",
    "case ",
    " in ",
    "esac",
    "<<E\n",
    "E\n",
    "${x",
    "${#",
    "$((",
    "))",
    ";;",
    "for ",
    "do ",
    "done",
    "while ",
    "f() ",
  );
  fc.assert(
    fc.property(
      fc.array(alphabet, { maxLength: 40, size: "max" }).map((a) => a.join("")),
      (src) => {
        let tree;
        try {
          tree = parseScript(src);
        } catch {
          return;
        }
        const text = unparseScript(tree);
        assert.deepEqual(
          normalize(parseScript(text)),
          normalize(tree),
          `${JSON.stringify(src)} became ${JSON.stringify(text)}`,
        );
      },
    ),
    { numRuns: runs(3000) },
  );
});
