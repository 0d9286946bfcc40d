import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { RUN_DIR_PREFIX, SHARED_ENTRIES } from "./testRun.ts";

const shared = (name: string) => SHARED_ENTRIES.some((re) => re.test(name));

/**
 * A fresh temp folder for one test run under the machine's temp dir `systemTmp`, which becomes the run's TMPDIR.
 * The machine-wide entries (the port claims every olnode process consults, the Postgres binaries copied for the
 * `postgres` user) are linked in from `systemTmp`, so the run shares them with every other process.
 */
export function createTestRunDir(systemTmp: string): string {
  const dir = mkdtempSync(join(systemTmp, RUN_DIR_PREFIX));
  // As root, Postgres runs as the `postgres` user, which must traverse it to its data dir.
  chmodSync(dir, 0o755);
  for (const name of readdirSync(systemTmp)) {
    if (shared(name) && !name.includes("staging")) symlinkSync(join(systemTmp, name), join(dir, name));
  }
  if (!existsSync(join(dir, "olnode-ports")))
    symlinkSync(join(systemTmp, "olnode-ports"), join(dir, "olnode-ports"));
  return dir;
}

/** What the run left in its temp folder: every entry but the linked-in machine-wide ones. */
export function runDirLeftovers(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !shared(n) || !lstatSync(join(dir, n)).isSymbolicLink())
    .map((n) => join(dir, n));
}

/**
 * Removes the run's temp folder. A machine-wide cache the run created itself (first Postgres copy) moves to
 * `systemTmp` for the next runs instead of being deleted.
 */
export function removeTestRunDir(dir: string, systemTmp: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!shared(name) || name.includes("staging") || lstatSync(path).isSymbolicLink()) continue;
    if (!existsSync(join(systemTmp, name))) {
      try {
        renameSync(path, join(systemTmp, name));
      } catch {
        // another run moved its copy first; this one goes with the folder
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
