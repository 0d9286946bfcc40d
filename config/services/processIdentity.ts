import { readFileSync } from "node:fs";

/**
 * A process as the kernel knows it: its pid, its start time (clock ticks after boot, field 22 of
 * /proc/<pid>/stat) and the boot it started in. A pid is reused once its process is gone; the triple never is,
 * so a recorded identity names one process for ever.
 */
export type ProcessIdentity = { pid: number; startTime: string; bootId: string };

function bootId(): string {
  return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

/** The identity of the running process `pid`, or undefined when there is none (or a zombie, or no /proc). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startTime = fields[19]; // field 22 overall; fields[0] is field 3 (state)
    // A zombie has exited: only its parent's wait() is missing, and no signal can reach it any more.
    if (!startTime || fields[0] === "Z") return undefined;
    return { pid, startTime, bootId: bootId() };
  } catch {
    return undefined;
  }
}

/** Whether `identity` still names a running process: same pid, same start time, same boot. */
export function isRunning(identity: ProcessIdentity): boolean {
  const now = processIdentity(identity.pid);
  return now !== undefined && now.startTime === identity.startTime && now.bootId === identity.bootId;
}
