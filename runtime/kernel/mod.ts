/**
 * The Berth kernel: processes, scheduler, system calls, file systems, namespaces,
 * cgroups, IPC and signals.
 *
 * Start with {@link Kernel}: `new Kernel({ builtins })`, `kernel.cgroups.create(path,
 * limits)`, `await kernel.spawn({ argv, fs, cgroup, cloneFlags })`, `handle.wait()`,
 * `kernel.shutdown()`. Executors plug in with `kernel.registerBinfmt` (see executor.ts).
 *
 * @module
 */
export { Errno, errnoName, isErrno, strerror } from "./errno.ts";
export type * from "./syscalls/api.ts";
export { AT, CLONE, O, SA, W } from "./syscalls/api.ts";
export type { HostTerminal } from "./fs/devpts/pty_host.ts";
export type { Termios } from "./syscalls/termios.ts";
export type * from "./task.ts";
export {
  type ExitStatus,
  exitStatusOf,
  Kernel,
  type KernelOptions,
  type ProcessHandle,
  SpawnError,
  type SpawnMount,
  type SpawnRequest,
  type StdioSpec,
} from "./kernel.ts";
export {
  type AdmitContext,
  BERTHBOX_MAGIC,
  type Binfmt,
  type BuiltinMain,
  type BuiltinRegistry,
  ELF_MAGIC,
  type ExecContext,
  type ExecRefusal,
  type Executor,
  ProcessExit,
  ProcessKilled,
  startsWith,
  WASM_MAGIC,
} from "./executor.ts";
export { Cgroup, type CgroupLimits, type MemoryEvents } from "./cgroup.ts";
export { CgroupTree, parseCpuMax, parseMemory } from "./cgroup_tree.ts";
export { PidNamespace, UtsNamespace } from "./namespaces.ts";
export {
  type IdKind,
  type IdMapWriter,
  type IdRange,
  OVERFLOW_ID,
  UserNamespace,
  writeIdMap,
} from "./user_namespace.ts";
export { Process, type ProcState, Sleep, SleepList } from "./process.ts";
export { MinimalFs, type ProcessFs } from "./process_fs.ts";
export { hostSink, hostSource, type IoTask, nullHandle, type StreamHandle } from "./host_stdio.ts";
export { defaultAction, NSIG, parseSignal, SIG, signalName } from "./signals.ts";
export type { CgroupMember, Controller, SchedEntity } from "./cgroup.ts";
export type { CgroupHost } from "./cgroup_tree.ts";
export { PidRef } from "./namespaces.ts";
export type { ProcessHost, ProcessInit } from "./process.ts";
export { MinimalFds, type MinimalFile, type ProcessFds } from "./process_fs.ts";
export { type CpuWait, type Schedulable, Scheduler, type SchedulerOptions } from "./scheduler.ts";
export { SlotList, type Slotted } from "./slot_list.ts";
export { type Queueable, RunQueue } from "./run_queue.ts";
export {
  clearKernelTimeout,
  type KernelDelay,
  kernelDelay,
  type KernelTimer,
  runDueTimers,
  setKernelTimeout,
} from "./timers.ts";
export type { FileCallName, FileCalls, IpcCallName, IpcCalls } from "./syscalls/file_calls.ts";
export type { Program } from "./process_exec.ts";
export type { DefaultAction } from "./signals.ts";
export { minimalRoot, type MinimalRootOptions } from "./minimal_root.ts";
export {
  cgroupPathFrom,
  lookupPid,
  pidAsSeenBy,
  stateOf,
  USER_HZ,
  visiblePids,
} from "./proc_info.ts";
export {
  type Family,
  type Support,
  SYSCALL_TABLE,
  type SyscallEntry,
  syscallEntry,
} from "./syscalls/table.ts";
export type { FsFactory } from "./vfs/mount.ts";
// Every type of the VFS contract (Kernel.fsTypes refers to FsFactory, hence FileSystem, Inode…).
export type * from "./vfs/types.ts";
export { kernelFsTypes, nsInode } from "./kernel_proc_source.ts";
