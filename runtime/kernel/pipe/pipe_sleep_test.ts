import assert from "node:assert/strict";
import type { BuiltinMain } from "../executor.ts";
import { Kernel } from "../kernel.ts";
import { minimalRoot } from "../minimal_root.ts";
import type { Process } from "../process.ts";
import { SIG } from "../signals.ts";
import { PIPE_DEFAULT_SIZE } from "./pipe.ts";

/** Bytes of the write that finds the pipe full: more than PIPE_BUF, so it may be split. */
const BIG = 10_000;

/** Wait until `p` sleeps interruptibly (it entered a blocking call). */
async function untilAsleep(p: Process): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (p.interrupts.size > 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${p.id} never slept`);
}

/**
 * Fills the pipe on fd argv[1], then writes {@link BIG} bytes more in one call, and exits
 * with that call's result modulo 256 (a USR1 handler without SA_RESTART is installed).
 */
const filler: BuiltinMain = async (sys, argv) => {
  sys.sigaction(SIG.USR1, () => {});
  const fd = Number(argv[1]);
  if (await sys.write(fd, new Uint8Array(PIPE_DEFAULT_SIZE)) !== PIPE_DEFAULT_SIZE) return 99;
  const n = await sys.write(fd, new Uint8Array(BIG));
  return n < 0 ? 200 : n % 256;
};

/** Spawns the filler on a pipe and hands the read end to `use` once the filler sleeps. */
function reader(
  use: (
    read: (n: number) => Promise<number>,
    filler: Process,
    nap: () => Promise<unknown>,
  ) => Promise<number>,
) {
  const main: BuiltinMain = async (sys) => {
    const [r, w] = sys.pipe2(0) as [number, number];
    const pid = await sys.spawn({ path: "filler", argv: ["filler", String(w)] });
    if (typeof pid !== "number" || pid < 0) return 1;
    sys.close(w);
    const kid = [...self!.children][0]!;
    await untilAsleep(kid);
    const buf = new Uint8Array(PIPE_DEFAULT_SIZE);
    const got = await use(
      async (n) => await sys.read(r, buf.subarray(0, n)),
      kid,
      async () => await sys.nanosleep({ sec: 0, nsec: 1_000_000 }),
    );
    const waited = await sys.wait4(pid, 0);
    if (typeof waited === "number") return 2;
    return got === -1 ? 1 : (waited.status >> 8) & 0xff;
  };
  let self: Process | undefined;
  return {
    main,
    run: async () => {
      const k = new Kernel({ builtins: { filler, reader: main } });
      try {
        const h = await k.spawn({ argv: ["reader"], fs: minimalRoot(k) });
        self = h.process;
        return (await h.wait()).exitCode;
      } finally {
        await k.shutdown();
      }
    },
  };
}

/** Writes 4 KiB blocks (atomic) to fd argv[1] until the pipe has no reader, as `yes` does. */
const yes: BuiltinMain = async (sys, argv) => {
  const block = new Uint8Array(4096).fill(121);
  while ((await sys.write(Number(argv[1]), block)) > 0);
  return 0;
};

Deno.test("a writer woken by a 1-byte read sleeps on when the pipe is full again, without holding the CPU", async () => {
  // The writer's next attempt runs inside the reader's read; it used to sleep anew there,
  // which woke it to hold the CPU while it waited: the reader never ran again (sh's `read`
  // loop over `yes` hung).
  const sip: BuiltinMain = async (sys) => {
    const [r, w] = sys.pipe2(0) as [number, number];
    const pid = await sys.spawn({
      path: "yes",
      argv: ["yes", String(w)],
      fileActions: [{ op: "close", fd: r }],
    });
    if (typeof pid !== "number" || pid < 0) return 1;
    sys.close(w);
    const one = new Uint8Array(1);
    for (let i = 0; i < 20_000; i++) if ((await sys.read(r, one)) !== 1) return 2;
    sys.close(r);
    await sys.wait4(pid, 0);
    return 0;
  };
  const k = new Kernel({ builtins: { yes, sip } });
  try {
    const h = await k.spawn({ argv: ["sip"], fs: minimalRoot(k) });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<string>((r) => (timer = setTimeout(() => r("hung"), 20_000)));
    const end = await Promise.race([h.wait().then((s) => s.exitCode), hung]);
    clearTimeout(timer);
    assert.equal(end, 0);
  } finally {
    await k.shutdown();
  }
});

Deno.test("a large write interrupted by a handler after moving bytes returns their count, not EINTR", async () => {
  const { run } = reader(async (read, filler) => {
    // 100 bytes of room: the writer moves 100 of its bytes and sleeps for more.
    if (await read(100) !== 100) return -1;
    await untilAsleep(filler);
    filler.signal(SIG.USR1);
    return 0;
  });
  assert.equal(await run(), 100);
});
