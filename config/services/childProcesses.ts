import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

/**
 * Every service process this process started (anvil, postgres, ponder). They are killed when this process
 * exits for any reason we can catch, so a failing test or a crashed devnet leaves nothing behind.
 */
const children = new Set<ChildProcess>();
/** Temporary dirs of those services (embedded Postgres' data): removed once their process is gone. */
const tempDirs = new Set<string>();
let hooked = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        // Negative pid: the whole process group, so grandchildren (ponder's workers) go too.
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  }
  children.clear();
  for (const dir of tempDirs) {
    try {
      // A SIGKILLed Postgres may still be closing files for a moment: retry rather than leave the dir.
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    } catch {
      // nothing more we can do while exiting
    }
  }
  tempDirs.clear();
}

/** Removes `dir` when this process exits (a stop that runs normally removes it earlier: `untrackTempDir`). */
export function trackTempDir(dir: string): void {
  hook();
  tempDirs.add(dir);
}

export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
}

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
  hook();
}

function hook(): void {
  if (!hooked) {
    hooked = true;
    process.once("exit", killAll);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      // Prepended, so it runs while other handlers (including `once` ones) are still registered.
      process.prependListener(signal, function onSignal() {
        // Another handler (the daemon's shutdown controller) owns a graceful stop; the exit hook still
        // kills whatever it leaves. Alone, we clean up and die the way the signal would have killed us.
        if (process.listenerCount(signal) > 1) return;
        killAll();
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      });
    }
  }
}

/** Sends `signal` to the child's process group and waits for it to exit, escalating to SIGKILL. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const send = (s: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, s);
    } catch {
      try {
        child.kill(s);
      } catch {
        // gone
      }
    }
  };
  send(signal);
  const timer = setTimeout(() => send("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  // The leader is gone; members of its group that outlived it (workers it forked) go now. While the group
  // has members its id cannot be reused, so this reaches only what the child started.
  if (child.pid && groupExists(child.pid)) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/** Whether process group `pgid` still has a member. */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user (Postgres runs as `postgres` when we are root).
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
