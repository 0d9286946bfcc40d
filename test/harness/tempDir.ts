import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/**
 * A fresh temp dir (`<TMPDIR>/<prefix>XXXXXX`), removed after the test file's own afterAll hooks have run, pass or
 * fail (testSetup.ts), so a test never leaves one behind even when it times out. Call it anywhere: at the top of
 * the file, in a hook or in a test.
 */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every dir makeTempDir made in this file's worker. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
