import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  findImportViolations,
  findTestEnvReads,
  formatViolation,
  importsOf,
  TEST_HOOK_FILE,
} from "./importRules.ts";

const ROOT = join(import.meta.dirname, "..", "..");

/** Every tracked and new TypeScript source of the checkout (what a commit would hold). */
function sourceFiles(): Map<string, string> {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const files = new Map<string, string>();
  for (const file of listed.split("\n").filter(Boolean)) {
    if (file.includes("/generated/") && file.startsWith("indexer/")) continue; // Ponder's own output
    try {
      files.set(file, readFileSync(join(ROOT, file), "utf8"));
    } catch {
      // listed but deleted in the work tree
    }
  }
  return files;
}

describe("the import rule checker", () => {
  it("reads static, type-only, re-export and literal dynamic imports, and nothing in comments or strings", () => {
    const source = [
      `import a from "./a.ts";`,
      `import type { B } from "../b.ts";`,
      `export { c } from "./c.ts";`,
      `export * from "./d.ts";`,
      `const e = await import("./e.ts");`,
      `// import x from "./commented.ts";`,
      `const s = 'import y from "./in-a-string.ts"';`,
      `const dynamic = await import(name);`,
    ].join("\n");
    expect(importsOf(source)).toEqual(["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });

  it("allows every downward import and names file, import and rule for each wrong-way one", () => {
    const files = new Map<string, string>([
      ["config/a.ts", `import "../contracts/x.ts";`],
      ["contracts/x.ts", `import "../config/a.ts"; import "../p2p/y.ts";`],
      ["p2p/y.ts", `import "../contracts/x.ts"; import "../indexer/z.ts";`],
      ["indexer/z.ts", `import "../config/a.ts"; export * from "../node/n.ts";`],
      ["node/n.ts", `import "../indexer/z.ts"; import "../p2p/y.ts"; import "../test/harness/h.ts";`],
      ["docker/d.ts", `const n = await import("../node/n.ts");`],
      ["test/harness/h.ts", `import "../../node/n.ts";`],
      ["vitest.config.ts", `import "./node/n.ts";`],
    ]);
    const found = findImportViolations(files).map(formatViolation);
    expect(found).toEqual([
      `config/a.ts: import "../contracts/x.ts" -> contracts/x.ts: config/ may import only config: config <- contracts <- (indexer, p2p) <- node`,
      `contracts/x.ts: import "../p2p/y.ts" -> p2p/y.ts: contracts/ may import only config, contracts: config <- contracts <- (indexer, p2p) <- node`,
      `p2p/y.ts: import "../indexer/z.ts" -> indexer/z.ts: p2p/ may import only config, contracts, p2p: config <- contracts <- (indexer, p2p) <- node`,
      `indexer/z.ts: import "../node/n.ts" -> node/n.ts: nothing imports node/ (indexer/ sits below it)`,
      `node/n.ts: import "../test/harness/h.ts" -> test/harness/h.ts: node/ is product code and must not import test/ (move the helper into test/ or the code out of it)`,
      `docker/d.ts: import "../node/n.ts" -> node/n.ts: nothing imports node/ (docker/ sits below it)`,
    ]);
  });

  it("lets a test beside code use test/ helpers, but not reach a higher layer through them", () => {
    const files = new Map<string, string>([
      ["contracts/x.test.ts", `import "../test/harness/chain.ts";`],
      ["test/harness/chain.ts", `import "./launch.ts";`],
      ["test/harness/launch.ts", `import "../../node/services/launch.ts"; import "../../config/a.ts";`],
      ["node/services/launch.ts", ``],
      ["node/n.test.ts", `import "../test/harness/chain.ts";`],
      ["config/a.ts", ``],
    ]);
    const found = findImportViolations(files);
    expect(found).toHaveLength(1);
    expect(formatViolation(found[0]!)).toBe(
      `contracts/x.test.ts: import "../../node/services/launch.ts (in test/harness/launch.ts)" -> node/services/launch.ts via test/harness/chain.ts -> test/harness/launch.ts: nothing imports node/ (contracts/ sits below it)`,
    );
  });

  it("flags test-only environment variables read outside the one test hook", () => {
    const files = new Map<string, string>([
      ["node/daemon/x.ts", `const at = process.env.OLNODE_TEST_CRASH_AT;`],
      [TEST_HOOK_FILE, `const at = env.OLNODE_TEST_CRASH_AT;`],
      ["node/daemon/x.test.ts", `env.OLNODE_TEST_CRASH_AT = "a";`],
      ["test/worker/y.ts", `env.OLNODE_TEST_CRASH_AT = "a";`],
    ]);
    expect(findTestEnvReads(files)).toEqual(["node/daemon/x.ts"]);
  });
});

describe("this tree", () => {
  const files = sourceFiles();

  it("has its sources to check", () => {
    expect(files.has("node/cli/olnode.ts")).toBe(true);
    expect(files.has("config/schema.ts")).toBe(true);
  });

  it("imports only downwards: config <- contracts <- (indexer, p2p) <- node, nothing imports node", () => {
    expect(findImportViolations(files).map(formatViolation)).toEqual([]);
  });

  it(`reads test-only OLNODE_TEST_* variables only in ${TEST_HOOK_FILE}`, () => {
    expect(findTestEnvReads(files)).toEqual([]);
  });
});
