import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Kernel } from "../kernel.ts";
import { SYSCALL_TABLE } from "./table.ts";

Deno.test("the syscall table names every call of a process's Syscalls exactly once", async () => {
  const k = new Kernel({ builtins: {} });
  try {
    const names: string[] = [];
    const h = await k.spawn({
      argv: ["probe"],
      program: (sys) => {
        for (const name in sys) names.push(name);
        return Promise.resolve(0);
      },
    });
    await h.wait();
    const table = SYSCALL_TABLE.map((e) => e.name);
    assertEquals(new Set(table).size, table.length, "no duplicates");
    assertEquals([...table].sort(), [...names].sort());
  } finally {
    await k.shutdown();
  }
});
