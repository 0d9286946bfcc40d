import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../config/common/createLogger.ts";
import { isRunning, processIdentity } from "../../config/services/processIdentity.ts";
import { killRecorded, type Leftovers, reapLeftovers, removeLeftoverDir } from "./reapLeftovers.ts";

export type RunRecord = {
  /** Records a service process by identity (pid, start time, boot), at once, in the file. */
  addProcess(pid: number): void;
  /** Records a temp dir to remove (outside the devnet dir, so a SIGKILLed run would leave it). */
  addDir(dir: string): void;
  /**
   * After a stop: kills whatever recorded process is somehow still running (bounded wait, then it says
   * so), removes the recorded dirs, and deletes the file. Resolves with what was still running.
   */
  ensureGone(waitMs?: number): Promise<number[]>;
};

/**
 * The devnet's record of what it started (`<dir>/pids.json`): written as each service starts, read by the
 * next start to reap a SIGKILLed run (`reapLeftovers`), and checked after a stop so "stopped" is printed only
 * when nothing is left.
 */
export function createRunRecord(file: string, logger: Logger): RunRecord {
  const leftovers: Leftovers = { processes: [], dirs: [] };
  // Whole or not at all (a new file renamed over the old): a reader, or a SIGKILL mid-write, never meets half.
  const write = () => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.new`, JSON.stringify(leftovers));
    renameSync(`${file}.new`, file);
  };
  return {
    addProcess(pid) {
      const identity = processIdentity(pid);
      if (!identity) return; // already gone
      leftovers.processes.push(identity);
      write();
    },
    addDir(dir) {
      leftovers.dirs.push(dir);
      write();
    },
    async ensureGone(waitMs = 5_000) {
      const deadline = Date.now() + waitMs;
      let running = leftovers.processes.filter(isRunning);
      for (const identity of running) killRecorded(identity, logger);
      while (running.length > 0 && Date.now() < deadline) {
        await sleep(50);
        running = running.filter(isRunning);
      }
      for (const dir of leftovers.dirs) removeLeftoverDir(dir, logger);
      if (running.length === 0) rmSync(file, { force: true });
      return running.map((p) => p.pid);
    },
  };
}

/** Reaps what a SIGKILLed earlier run left (by the same file), then starts this run's record. */
export function startRunRecord(file: string, logger: Logger): RunRecord {
  reapLeftovers(file, logger);
  return createRunRecord(file, logger);
}
