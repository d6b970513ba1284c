import { parseScript } from "../runtime/userland/sh/parser.ts";
import { unparseScript } from "../runtime/userland/sh/unparse.ts";
for (const s of Deno.args) {
  const t = parseScript(s);
  console.log(JSON.stringify(s), "=>", JSON.stringify(unparseScript(t)));
  console.log(JSON.stringify(t.body ?? t).slice(0, 600));
}
