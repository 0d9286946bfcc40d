import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseLoad } from "./loadMode.ts";
import { createTestRunDir, removeTestRunDir, runDirLeftovers } from "./testRunDir.ts";

// A stand-in for the machine's temp dir, so that the shared entries are this test's own.
const systemTmp = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "olnode-rundir-test-"));
afterAll(() => rmSync(systemTmp, { recursive: true, force: true }));

describe("the test run's temp dir", () => {
  it("links the machine-wide entries in, lists only the run's own leftovers, and keeps a new cache", () => {
    mkdirSync(join(systemTmp, "olnode-postgres-bin-18.0.0"));
    const dir = createTestRunDir(systemTmp);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(dir, "olnode-ports")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, "olnode-postgres-bin-18.0.0")).isSymbolicLink()).toBe(true);
    expect(runDirLeftovers(dir)).toEqual([]);

    mkdirSync(join(dir, "olnode-devnet-e2e-abc"));
    writeFileSync(join(dir, "olnode-pgpw-1"), "x");
    mkdirSync(join(dir, "olnode-postgres-bin-19.0.0")); // made by this run: the next runs' cache
    expect(runDirLeftovers(dir).sort()).toEqual(
      [
        join(dir, "olnode-devnet-e2e-abc"),
        join(dir, "olnode-pgpw-1"),
        join(dir, "olnode-postgres-bin-19.0.0"),
      ].sort(),
    );
    removeTestRunDir(dir, systemTmp);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(systemTmp, "olnode-postgres-bin-19.0.0"))).toBe(true);
    expect(existsSync(join(systemTmp, "olnode-postgres-bin-18.0.0"))).toBe(true);
  });
});

describe("OLNODE_TEST_LOAD", () => {
  it("is a small whole number of busy loops, and says how to write it otherwise", () => {
    expect(parseLoad(undefined)).toBe(0);
    expect(parseLoad("")).toBe(0);
    expect(parseLoad("2")).toBe(2);
    for (const bad of ["two", "-1", "1.5", "100"])
      expect(() => parseLoad(bad)).toThrow(/OLNODE_TEST_LOAD must be a whole number.*OLNODE_TEST_LOAD=2/);
  });
});
