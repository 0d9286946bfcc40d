import { copyFileSync, existsSync, readFileSync, renameSync, statSync } from "node:fs";

/**
 * anvil's `--state <file>` is written in place, every `--state-interval` seconds and at exit. A stop that lands
 * in the middle of a write (a SIGKILL after the grace period, a host crash) leaves a cut JSON file, and anvil
 * then refuses to start at all ("failed to parse json file"), which takes the whole devnet down with it. The
 * devnet keeps a copy of the last complete state beside it (`<file>.good`) and falls back to it.
 */
export const goodCopyOf = (stateFile: string) => `${stateFile}.good`;

/** True when `file` holds a whole JSON document (a state anvil can load). */
export function isWholeJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, "utf8"));
    return true;
  } catch {
    return false;
  }
}

/** Copies `from` to `to` through a temporary file and a rename, so `to` is never half written. */
function copyWhole(from: string, to: string): void {
  const tmp = `${to}.tmp`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

export type StateRecovery =
  | { kind: "none" }
  | { kind: "whole" }
  | { kind: "restored"; from: string; cutAside: string }
  | { kind: "reset"; cutAside: string };

/**
 * Before anvil starts: a whole state file is kept (and copied as the last good one); a cut one is moved aside
 * and replaced by the last good copy, or, without one, removed so anvil starts a new chain. Never deletes data:
 * the cut file stays as `<file>.cut-<time>` for inspection.
 */
export function recoverAnvilState(stateFile: string, now: Date = new Date()): StateRecovery {
  if (!existsSync(stateFile)) return { kind: "none" };
  if (isWholeJson(stateFile)) {
    copyWhole(stateFile, goodCopyOf(stateFile));
    return { kind: "whole" };
  }
  const cutAside = `${stateFile}.cut-${now.toISOString().replace(/[:.]/g, "-")}`;
  renameSync(stateFile, cutAside);
  const good = goodCopyOf(stateFile);
  if (existsSync(good) && isWholeJson(good)) {
    copyWhole(good, stateFile);
    return { kind: "restored", from: good, cutAside };
  }
  return { kind: "reset", cutAside };
}

/**
 * While anvil runs: copies the state file to the good copy when it changed since the last copy and is whole
 * (a read that meets a write in progress sees cut JSON and waits for the next round). Returns the copied file's
 * modification time, to pass back as `lastCopied` next time.
 */
export function snapshotAnvilState(stateFile: string, lastCopied: number): number {
  if (!existsSync(stateFile)) return lastCopied;
  const mtime = statSync(stateFile).mtimeMs;
  if (mtime === lastCopied || !isWholeJson(stateFile)) return lastCopied;
  copyWhole(stateFile, goodCopyOf(stateFile));
  return mtime;
}
