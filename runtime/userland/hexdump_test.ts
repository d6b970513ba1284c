import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";

Deno.test("hexdump -C and od agree with the host's tools", async () => {
  const text = "Hello, world!\n\tabc\x01\x7f" + "z".repeat(40) + "\n";
  const m = new TestMachine({ "/f": text });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f`, text);
    for (const args of [["hexdump", "-C"], ["od", "-c"], ["od", "-A", "x", "-t", "x1"], ["od"]]) {
      const host = await new Deno.Command(args[0]!, {
        args: [...args.slice(1), `${dir}/f`],
        stdout: "piped",
      }).output().catch(() => null);
      if (!host?.success) continue;
      const want = new TextDecoder().decode(host.stdout);
      const got = (await m.run([...args, "/f"])).stdout;
      assert.equal(got, want, args.join(" "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
