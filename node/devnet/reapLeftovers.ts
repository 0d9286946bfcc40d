import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname } from "node:path";
import type { Logger } from "../../config/common/createLogger.ts";
import { isRunning, type ProcessIdentity } from "../../config/services/processIdentity.ts";

/** What a devnet run leaves to clean up if it is SIGKILLed: its service processes and Postgres' temp dir. */
export type Leftovers = { processes: ProcessIdentity[]; dirs: string[] };

/** Our services, by their command line: a second check after the identity. */
const SERVICE = /anvil|postgres|ponder/;

/**
 * Kills the recorded process (its whole process group: Ponder's workers too) only if it is still the very
 * process that was recorded: same pid, same start time, same boot. A pid reused by an unrelated process has
 * another start time and is never touched. Returns whether it killed anything.
 */
export function killRecorded(identity: ProcessIdentity, logger: Logger): boolean {
  if (!isRunning(identity)) return false;
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${identity.pid}/cmdline`, "utf8");
  } catch {
    return false;
  }
  if (!SERVICE.test(cmdline)) return false;
  try {
    process.kill(-identity.pid, "SIGKILL");
  } catch {
    try {
      process.kill(identity.pid, "SIGKILL");
    } catch {
      return false; // gone meanwhile
    }
  }
  logger.warn({
    msg: "Killed a leftover service of a devnet run",
    pid: identity.pid,
    command: cmdline.split("\0")[0],
  });
  return true;
}

/** Removes a dir only if it is what launchPostgres made under the temp dir (the record may have been edited). */
export function removeLeftoverDir(dir: unknown, logger: Logger): void {
  if (typeof dir !== "string" || dirname(dir) !== tmpdir() || !basename(dir).startsWith("olnode-pg-")) return;
  if (!existsSync(dir)) return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  logger.warn({ msg: "Removed the database dir of a devnet run", dir });
}

function isIdentity(value: unknown): value is ProcessIdentity {
  const v = value as ProcessIdentity;
  return (
    typeof v === "object" &&
    v !== null &&
    Number.isInteger(v.pid) &&
    v.pid > 1 &&
    typeof v.startTime === "string" &&
    typeof v.bootId === "string"
  );
}

/**
 * A devnet killed with SIGKILL cannot stop its children; the next start does: every process the last run
 * recorded that is still that same process (pid, start time, boot) and one of our services is killed before
 * anything starts, and the embedded Postgres' temporary data dir is removed. Pids recorded without a start
 * time (an older run's file) cannot be told from a reused pid and are left alone.
 */
export function reapLeftovers(pidFile: string, logger: Logger): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(pidFile, "utf8"));
  } catch {
    return;
  }
  const record = (parsed ?? {}) as Partial<Leftovers> & { pids?: unknown };
  const bare = Array.isArray(parsed) ? parsed : Array.isArray(record.pids) ? record.pids : [];
  if (bare.length > 0)
    logger.warn({
      msg: "A previous devnet recorded pids without start times: not killing them, they may be reused",
      pids: bare.filter((p) => Number.isInteger(p)),
    });
  for (const identity of Array.isArray(record.processes) ? record.processes : [])
    if (isIdentity(identity)) killRecorded(identity, logger);
  for (const dir of Array.isArray(record.dirs) ? record.dirs : []) removeLeftoverDir(dir, logger);
}
