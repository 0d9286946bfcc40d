import { type ChildProcess, spawn } from "node:child_process";
import { trackChild } from "../../config/services/childProcesses.ts";

/**
 * The suite's load mode: `OLNODE_TEST_LOAD=n` runs n busy-loop processes beside the tests for the whole run, so
 * that timing that only a fast, quiet machine meets shows up as a failure here rather than on a user's laptop.
 */
export type LoadMode = { processes: number; stop(): Promise<void> };

export function parseLoad(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64) {
    throw new Error(
      `OLNODE_TEST_LOAD must be a whole number of busy-loop processes from 0 to 64, not "${value}" (e.g. OLNODE_TEST_LOAD=2).`,
    );
  }
  return n;
}

export function startLoad(processes: number): LoadMode {
  const children: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) {
    // A clean environment: the busy loops are the load, not part of the run the leak check accounts for.
    const child = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore", env: { PATH: "" } });
    // Killed with the run even when it is interrupted.
    trackChild(child);
    children.push(child);
  }
  return {
    processes,
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once("exit", () => resolve());
              c.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}
