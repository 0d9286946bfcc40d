import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname } from "node:path";
import type { Logger } from "../../config/common/createLogger.ts";

export type Leftovers = { pids: number[]; dirs: string[] };

/**
 * A devnet killed with SIGKILL cannot stop its children; the next start does: every pid the last run
 * recorded that is still one of our services (checked by its command line) is killed before anything starts,
 * and the embedded Postgres' temporary data dir is removed.
 */
export function reapLeftovers(pidFile: string, logger: Logger) {
  let leftovers: Leftovers;
  try {
    const parsed: unknown = JSON.parse(readFileSync(pidFile, "utf8"));
    // Older runs wrote a bare pid array.
    leftovers = Array.isArray(parsed) ? { pids: parsed, dirs: [] } : (parsed as Leftovers);
  } catch {
    return;
  }
  const { pids = [], dirs = [] } = leftovers;
  for (const pid of pids) {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (!/anvil|postgres|ponder/.test(cmdline)) continue;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    logger.warn({
      msg: "Killed a leftover service of a previous devnet run",
      pid,
      command: cmdline.split("\0")[0],
    });
  }
  for (const d of dirs) {
    // Only what launchPostgres made under the temp dir: the file is in a folder the user may have edited.
    if (typeof d !== "string" || dirname(d) !== tmpdir() || !basename(d).startsWith("olnode-pg-")) continue;
    if (!existsSync(d)) continue;
    rmSync(d, { recursive: true, force: true });
    logger.warn({ msg: "Removed the database dir of a previous devnet run", dir: d });
  }
}
