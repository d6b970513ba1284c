/**
 * `ipcs [-qms] [-a]`, `ipcmk [-Q] [-M SIZE] [-S N] [-p MODE]` and `ipcrm`: System V IPC
 * of the caller's IPC namespace, listed with `MSG_STAT`/`SHM_STAT`/`SEM_STAT` like
 * util-linux does without `/proc/sysvipc`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { IpcStat, Syscalls } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import type { Opts } from "./_args.ts";
import { readNameDb } from "./_format.ts";

const IPC_CREAT = 0o1000;
const IPC_EXCL = 0o2000;
const IPC_RMID = 0;
const MSG_STAT = 11;
const MSG_INFO = 12;
const SHM_STAT = 13;
const SHM_INFO = 14;
const SEM_STAT = 18;
const SEM_INFO = 19;
const SHM_DEST = 0o1000;

type Kind = "msg" | "shm" | "sem";

function list(sys: Syscalls, kind: Kind): IpcStat[] {
  const info = kind === "msg"
    ? sys.msgctl(0, MSG_INFO)
    : kind === "shm"
    ? sys.shmctl(0, SHM_INFO)
    : sys.semctl(0, 0, SEM_INFO);
  if (typeof info !== "object" || Array.isArray(info)) return [];
  const out: IpcStat[] = [];
  for (let i = 0; i <= (info.maxidx ?? -1); i++) {
    const st = kind === "msg"
      ? sys.msgctl(i, MSG_STAT)
      : kind === "shm"
      ? sys.shmctl(i, SHM_STAT)
      : sys.semctl(i, 0, SEM_STAT);
    if (typeof st === "object" && !Array.isArray(st)) out.push(st);
  }
  return out;
}

const hexKey = (k: number) => "0x" + (k >>> 0).toString(16).padStart(8, "0");

/**
 * The `ipcs` applet.
 *
 * @example
 * ```ts ignore
 * await ipcs(sys, ["ipcs", "-q"]);
 * ```
 */
export const ipcs = applet({
  name: "ipcs",
  usage:
    "ipcs [-qmsa]\n\nShow information on IPC facilities\n\n\t-q\tMessage queues\n\t-m\tShared memory segments\n\t-s\tSemaphore arrays\n\t-a\tAll (default)",
  spec: {
    flags: "qmsal",
    long: { queues: "q", shmems: "m", semaphores: "s", all: "a", limits: "l" },
  },
  async run(ctx, opts) {
    if (opts.has("l")) return await limits(ctx, opts);
    const all = opts.has("a") || !["q", "m", "s"].some((k) => opts.has(k));
    const users = await readNameDb(ctx.sys, "passwd");
    const owner = (uid: number) => (users.byId.get(uid) ?? String(uid)).padEnd(10);
    let text = "";
    if (all || opts.has("q")) {
      text +=
        "\n------ Message Queues --------\nkey        msqid      owner      perms      used-bytes   messages    \n";
      for (const s of list(ctx.sys, "msg")) {
        text += `${hexKey(s.key)} ${String(s.id).padEnd(10)} ${owner(s.uid)} ${
          (s.mode & 0o777).toString(8).padEnd(10)
        } ${String(s.cbytes).padEnd(12)} ${String(s.qnum).padEnd(12)}\n`;
      }
    }
    if (all || opts.has("m")) {
      text +=
        "\n------ Shared Memory Segments --------\nkey        shmid      owner      perms      bytes      nattch     status      \n";
      for (const s of list(ctx.sys, "shm")) {
        const status = s.mode & SHM_DEST ? "dest" : "";
        text += `${hexKey(s.key)} ${String(s.id).padEnd(10)} ${owner(s.uid)} ${
          (s.mode & 0o777).toString(8).padEnd(10)
        } ${String(s.segsz).padEnd(10)} ${String(s.nattch).padEnd(10)} ${status.padEnd(6)} \n`;
      }
    }
    if (all || opts.has("s")) {
      text +=
        "\n------ Semaphore Arrays --------\nkey        semid      owner      perms      nsems     \n";
      for (const s of list(ctx.sys, "sem")) {
        text += `${hexKey(s.key)} ${String(s.id).padEnd(10)} ${owner(s.uid)} ${
          (s.mode & 0o777).toString(8).padEnd(10)
        } ${String(s.nsems).padEnd(10)}\n`;
      }
    }
    await ctx.out.write(text + "\n");
    return 0;
  },
});

async function limits(ctx: Ctx, opts: Opts): Promise<number> {
  const all = opts.has("a") || !["q", "m", "s"].some((k) => opts.has(k));
  const info = (
    r: IpcStat | number | number[] | 0,
  ) => (typeof r === "object" && !Array.isArray(r) ? r : null);
  let text = "";
  if (all || opts.has("q")) {
    const m = info(ctx.sys.msgctl(0, MSG_INFO));
    if (m) {
      text += `\n------ Messages Limits --------\nmax queues system wide = ${m.msgmni}\n` +
        `max size of message (bytes) = ${m.msgmax}\ndefault max size of queue (bytes) = ${m.msgmnb}\n`;
    }
  }
  if (all || opts.has("m")) {
    const m = info(ctx.sys.shmctl(0, SHM_INFO));
    if (m) {
      text += `\n------ Shared Memory Limits --------\nmax number of segments = ${m.shmmni}\n` +
        `max seg size (kbytes) = ${
          Math.floor(m.shmmax! / 1024)
        }\nmax total shared memory (kbytes) = ${Math.floor((m.shmall! * 4096) / 1024)}\n` +
        "min seg size (bytes) = 1\n";
    }
  }
  if (all || opts.has("s")) {
    const m = info(ctx.sys.semctl(0, 0, SEM_INFO));
    if (m) {
      text +=
        `\n------ Semaphore Limits --------\nmax number of arrays = ${m.semmni}\nmax semaphores per array = ${m.semmsl}\n` +
        `max semaphores system wide = ${m.semmns}\nmax ops per semop call = ${m.semopm}\nsemaphore max value = 32767\n`;
    }
  }
  await ctx.out.write(text + "\n");
  return 0;
}

function randomKey(sys: Syscalls): number {
  const b = new Uint8Array(4);
  sys.getrandom(b);
  return (new DataView(b.buffer).getUint32(0) & 0x7fffffff) || 1;
}

/**
 * The `ipcmk` applet.
 *
 * @example
 * ```ts ignore
 * await ipcmk(sys, ["ipcmk", "-Q"]);
 * ```
 */
export const ipcmk = applet({
  name: "ipcmk",
  usage:
    "ipcmk [options]\n\nCreate various IPC resources.\n\n\t-M, --shmem SIZE\tcreate shared memory segment of size SIZE\n" +
    "\t-S, --semaphore N\tcreate semaphore array with N elements\n\t-Q, --queue\t\tcreate message queue\n\t-p, --mode MODE\t\tpermission for the resource (default is 0644)",
  spec: {
    flags: "Q",
    withArg: "MSp",
    long: { "shmem=": "M", "semaphore=": "S", queue: "Q", "mode=": "p" },
  },
  async run(ctx, opts) {
    const mode = opts.has("p") ? Number.parseInt(opts.get("p")!, 8) : 0o644;
    if (Number.isNaN(mode)) {
      await ctx.error(`failed to parse mode: '${opts.get("p")}'`);
      return 1;
    }
    if (!opts.has("Q") && !opts.has("M") && !opts.has("S")) {
      await ctx.usageError("bad usage");
      return 1;
    }
    const flags = IPC_CREAT | IPC_EXCL | mode;
    if (opts.has("M")) {
      const size = Number(opts.get("M"));
      const id = ctx.sys.shmget(randomKey(ctx.sys), size, flags);
      if (isErrno(id)) await ctx.fail("create share memory failed", id);
      else await ctx.out.write(`Shared memory id: ${id}\n`);
    }
    if (opts.has("Q")) {
      const id = ctx.sys.msgget(randomKey(ctx.sys), flags);
      if (isErrno(id)) await ctx.fail("create message queue failed", id);
      else await ctx.out.write(`Message queue id: ${id}\n`);
    }
    if (opts.has("S")) {
      const id = ctx.sys.semget(randomKey(ctx.sys), Number(opts.get("S")), flags);
      if (isErrno(id)) await ctx.fail("create semaphore failed", id);
      else await ctx.out.write(`Semaphore id: ${id}\n`);
    }
    return ctx.status;
  },
});

async function remove(ctx: Ctx, kind: Kind, id: number, label: string): Promise<void> {
  const r = kind === "msg"
    ? ctx.sys.msgctl(id, IPC_RMID)
    : kind === "shm"
    ? ctx.sys.shmctl(id, IPC_RMID)
    : ctx.sys.semctl(id, 0, IPC_RMID);
  if (typeof r === "number" && r < 0) {
    ctx.status = 1;
    await ctx.error(r === -1 || r === -13 ? `permission denied for ${label}` : `invalid ${label}`);
  }
}

function idOfKey(sys: Syscalls, kind: Kind, key: number): number | undefined {
  return list(sys, kind).find((s) => s.key === key)?.id;
}

/**
 * The `ipcrm` applet: `-q/-m/-s ID`, `-Q/-M/-S KEY`, `-a` (all), and the old
 * `ipcrm msg|shm|sem ID` form.
 *
 * @example
 * ```ts ignore
 * await ipcrm(sys, ["ipcrm", "-q", "0"]);
 * ```
 */
export const ipcrm = applet({
  name: "ipcrm",
  usage: "ipcrm [options]\n ipcrm shm|msg|sem <id>...\n\nRemove certain IPC resources.\n\n" +
    "\t-m, --shmem-id <id>\tremove shared memory segment by id\n\t-M, --shmem-key <key>\tremove shared memory segment by key\n" +
    "\t-q, --queue-id <id>\tremove message queue by id\n\t-Q, --queue-key <key>\tremove message queue by key\n" +
    "\t-s, --semaphore-id <id>\tremove semaphore by id\n\t-S, --semaphore-key <key>\tremove semaphore by key\n\t-a, --all\t\tremove all",
  spec: {
    flags: "a",
    withArg: "mMqQsS",
    long: {
      "shmem-id=": "m",
      "shmem-key=": "M",
      "queue-id=": "q",
      "queue-key=": "Q",
      "semaphore-id=": "s",
      "semaphore-key=": "S",
      all: "a",
    },
  },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length && ["msg", "shm", "sem"].includes(ops[0]!)) {
      for (const id of ops.slice(1)) await remove(ctx, ops[0] as Kind, Number(id), `id (${id})`);
      return ctx.status;
    }
    const kinds: [string, string, Kind][] = [["q", "Q", "msg"], ["m", "M", "shm"], [
      "s",
      "S",
      "sem",
    ]];
    let did = false;
    for (const [byId, byKey, kind] of kinds) {
      for (const v of opts.all(byId)) {
        did = true;
        const id = Number(v);
        if (!Number.isInteger(id) || id < 0) {
          await ctx.error(`invalid id: ${v}`);
          ctx.status = 1;
          continue;
        }
        await remove(ctx, kind, id, `id (${v})`);
      }
      for (const v of opts.all(byKey)) {
        did = true;
        const key = Number(v);
        const id = Number.isInteger(key) && key !== 0 ? idOfKey(ctx.sys, kind, key) : undefined;
        if (id === undefined) {
          await ctx.error(`invalid key (${v})`);
          ctx.status = 1;
          continue;
        }
        await remove(ctx, kind, id, `key (${v})`);
      }
    }
    if (opts.has("a")) {
      did = true;
      for (const kind of ["msg", "shm", "sem"] as Kind[]) {
        for (const s of list(ctx.sys, kind)) await remove(ctx, kind, s.id!, `id (${s.id})`);
      }
    }
    if (!did) {
      await ctx.usageError("bad usage");
      return 1;
    }
    return ctx.status;
  },
});
