import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import { Errno } from "../errno.ts";
import { defaultIpcLimits, IPC_SYSCTL_FILES, readIpcSysctl, writeIpcSysctl } from "./ipc_limits.ts";

Deno.test("writeIpcSysctl() reads numbers as Linux's proc_get_long: decimal, 0x hex, 0 octal, spaces", () => {
  const l = defaultIpcLimits();
  assert.equal(writeIpcSysctl(l, "kernel/msgmnb", "0x400\n"), 0);
  assert.equal(l.msgmnb, 1024);
  assert.equal(writeIpcSysctl(l, "kernel/msgmnb", "010"), 0);
  assert.equal(l.msgmnb, 8);
  assert.equal(writeIpcSysctl(l, "kernel/msgmnb", "  77 \t\n"), 0);
  assert.equal(l.msgmnb, 77);
  assert.equal(writeIpcSysctl(l, "kernel/sem", "1\t2 3\n4\n"), 0);
  assert.equal(readIpcSysctl(l, "kernel/sem"), "1\t2\t3\t4\n");
  // Fewer values set the first ones, as proc_dointvec does.
  assert.equal(writeIpcSysctl(l, "kernel/sem", "9 8"), 0);
  assert.equal(readIpcSysctl(l, "kernel/sem"), "9\t8\t3\t4\n");
});

Deno.test("writeIpcSysctl() refuses malformed and out-of-range values with EINVAL and changes nothing", () => {
  const l = defaultIpcLimits();
  const before = { ...l };
  const cases: [string, string][] = [
    ["kernel/msgmnb", ""],
    ["kernel/msgmnb", "\n"],
    ["kernel/msgmnb", "abc"],
    ["kernel/msgmnb", "12abc"],
    ["kernel/msgmnb", "1e3"],
    ["kernel/msgmnb", "1.5"],
    ["kernel/msgmnb", "-1"],
    ["kernel/msgmnb", "2147483648"],
    ["kernel/msgmnb", "1 2"],
    ["kernel/msgmni", "32769"],
    ["kernel/shmmni", "40000"],
    ["kernel/shmmax", "-5"],
    ["kernel/shmmax", "18446744073709551616"],
    ["kernel/sem", "1 2 3 4 5"],
    ["kernel/sem", "1 2 3 32769"],
    ["kernel/sem", "1 x"],
    ["fs/mqueue/msg_max", "0"],
    ["fs/mqueue/msg_max", "65537"],
    ["fs/mqueue/msgsize_max", "127"],
    ["fs/mqueue/msgsize_default", "16777217"],
    ["fs/mqueue/msg_default", "0"],
  ];
  for (const [file, text] of cases) {
    assert.equal(writeIpcSysctl(l, file, text), Errno.EINVAL, `${file} <- ${JSON.stringify(text)}`);
  }
  assert.deepEqual(l, before);
  assert.equal(writeIpcSysctl(l, "kernel/nope", "1"), Errno.ENOENT);
});

Deno.test("writeIpcSysctl() keeps 2^64-1 in shmmax as the largest safe integer", () => {
  const l = defaultIpcLimits();
  assert.equal(writeIpcSysctl(l, "kernel/shmmax", "18446744073692774399"), 0);
  assert.equal(l.shmmax, Number.MAX_SAFE_INTEGER);
  assert.equal(writeIpcSysctl(l, "kernel/shmall", "4096"), 0);
  assert.equal(readIpcSysctl(l, "kernel/shmall"), "4096\n");
});

Deno.test("every IPC sysctl reads back what was written within its range (property)", () => {
  const single = IPC_SYSCTL_FILES.filter((f) => f !== "kernel/sem");
  fc.assert(
    fc.property(
      fc.constantFrom(...single),
      fc.integer({ min: 128, max: 32768 }),
      (file, v) => {
        const l = defaultIpcLimits();
        // 128..32768 is inside every file's range (msg_max tops at 65536, msgmni at 32768).
        assert.equal(writeIpcSysctl(l, file, `${v}\n`), 0);
        assert.equal(readIpcSysctl(l, file), `${v}\n`);
      },
    ),
    { numRuns: runs(100) },
  );
});
