import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../../test/harness/tempDir.ts";
import { progressFileFor } from "./deploy.ts";

const entry = new URL("../olnode.ts", import.meta.url).pathname;
const dir = makeTempDir("olnode-lifecycle-cli-");
function olnode(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE")));
  const r = spawnSync(process.execPath, [entry, ...args], {
    encoding: "utf8",
    env: { ...clean, OLNODE__DATA_DIR: join(dir, "data"), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const down = "http://127.0.0.1:9";
const em = { OLNODE__CONTRACTS__EPOCH_MANAGER: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

describe("olnode deploy and worker: argument and error handling (no chain needed)", () => {
  it("keeps the progress file beside the deployment file", () => {
    expect(progressFileFor("/d/deployment.json")).toBe("/d/deployment.progress.json");
    expect(progressFileFor("/d/out")).toBe("/d/out.progress.json");
  });

  it("deploy: a usage error for a non-URL --rpc, a named error for bad --params, both before any RPC", () => {
    const a = olnode(["deploy", "--rpc", "ftp://x"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--rpc must be an http(s) or ws(s) URL");
    const params = join(dir, "params.json");
    writeFileSync(params, JSON.stringify({ epochLenght: 30 }));
    const b = olnode(["deploy", "--rpc", down, "--params", params]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('unknown deploy parameter "epochLenght"');
    writeFileSync(params, "{ not json");
    expect(olnode(["deploy", "--rpc", down, "--params", params]).stderr).toContain("Cannot read --params");
    expect(olnode(["deploy", "--private-key", "0x01"]).code).toBe(2);
  });

  it("deploy and worker: an RPC that does not answer is a typed error, exit 1", () => {
    const a = olnode(["deploy", "--rpc", down]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain("RPC at http://127.0.0.1:9 does not answer");
    const b = olnode(["worker", "status", "--address", "0x5FbDB2315678afecb367f032d93F642f64180aa3"], {
      ...em,
      OLNODE__CHAIN__L2_RPC_URL: down,
    });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("does not answer");
  });

  it("worker: usage errors and a missing EpochManager address name what to fix", () => {
    expect(olnode(["worker"]).stderr).toContain("needs a subcommand: worker register, worker status");
    const a = olnode(["worker", "status", "--address", "0x1234"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--address must be a 0x-prefixed 20-byte address");
    const b = olnode(["worker", "status"]);
    expect(b.code).toBe(3);
    expect(b.stderr).toContain("contracts.epochManager");
    const c = olnode(["worker", "register", "--stake", "lots"], { ...em, OLNODE__CHAIN__L2_RPC_URL: down });
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('--stake must be an amount of OPEN such as 0.1 (got "lots")');
  });
});
