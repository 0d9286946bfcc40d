import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../test/harness/tempDir.ts";
import { traversable } from "./launchPostgres.ts";

// Another user than the folders' owner: what the `postgres` user is to a root-owned checkout.
const OTHER_UID = 4_000_000;

describe("traversable (can the postgres user reach the embedded binaries?)", () => {
  it("is false under a private folder like `mktemp -d` makes, true once every folder lets others through", () => {
    const root = makeTempDir("olnode-traverse-");
    const bin = join(root, "node_modules", "pkg", "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "postgres"), "");
    chmodSync(root, 0o700);
    expect(traversable(join(bin, "postgres"), OTHER_UID)).toBe(false);
    chmodSync(root, 0o755);
    expect(traversable(join(bin, "postgres"), OTHER_UID)).toBe(true);
  });
});
