import type { ChildProcess } from "node:child_process";

/**
 * Every service process this process started (anvil, postgres, ponder). They are killed when this process
 * exits for any reason we can catch, so a failing test or a crashed devnet leaves nothing behind.
 */
const children = new Set<ChildProcess>();
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
}

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
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
}
