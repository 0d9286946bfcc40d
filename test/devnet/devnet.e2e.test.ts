import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../config/common/createLogger.ts";
import { reapLeftovers } from "../../node/devnet/reapLeftovers.ts";
import { devnetDir } from "../../node/devnet/startDevnet.ts";
import { graphql } from "../harness/graphql.ts";
import { isListening } from "../harness/isListening.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { lastLines, notYet, WaitForAbort, waitFor } from "../harness/waitFor.ts";

/**
 * `olnode devnet` as a newcomer runs it (`npm start`): a real process that starts anvil, Postgres, the
 * indexer, three nodes and the traffic generator. The API must come to show accepted and rejected
 * contributions, inferences with attribution entries and points for every worker; Ctrl-C must then leave no
 * process and no listening port behind. (How fast is the node.devnet_ready benchmark's business.)
 */
const entry = new URL("../../node/cli/olnode.ts", import.meta.url).pathname;
const dataDir = makeTempDir("olnode-devnet-e2e-");
let child: ChildProcess | undefined;
let stdout = "";
let stderr = "";

afterAll(async () => {
  // After a failure the devnet is still up: Ctrl-C lets it stop its services; SIGKILL would leave them running,
  // so then the next start's reaper is run on its pid file.
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGINT");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 60_000))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      reapLeftovers(join(devnetDir(dataDir), "pids.json"), createLogger({ level: "silent", format: "json" }));
    }
  }
}, 90_000);

/** What the devnet said last: its stderr, and the last lines of its log file (one JSON object a line). */
function devnetTail(): string {
  const logFile = join(dataDir, "devnet.log");
  const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
  return [lastLines("olnode devnet's stderr", stderr, 15), lastLines(logFile, log, 40)].join("\n");
}

type Counts = {
  accepted: { totalCount: number };
  rejected: { totalCount: number };
  inferences: { totalCount: number };
  attributions: { totalCount: number };
  workers: { items: { address: string; totalPoints: string }[] };
};

describe("olnode devnet (end to end, as a process)", () => {
  it("comes up, shows attribution and points in the API, and stops cleanly on Ctrl-C", {
    timeout: 600_000,
  }, async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE")));
    child = spawn(process.execPath, [entry, "devnet", "--nodes", "3"], {
      env: { ...env, OLNODE__DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));

    const urls = await waitFor(
      "the devnet to print its URLs",
      () => {
        if (child!.exitCode !== null) throw new WaitForAbort(`devnet exited early:\n${devnetTail()}`);
        const graphqlUrl = /GraphQL\s+(\S+)/.exec(stdout)?.[1];
        const rpcUrl = /L2 JSON-RPC \(anvil\)\s+(\S+)/.exec(stdout)?.[1];
        const nodes = [...stdout.matchAll(/node-\d status\s+(\S+)\/status/g)].map((m) => m[1]!);
        return graphqlUrl && rpcUrl && nodes.length === 3
          ? { graphqlUrl, rpcUrl, nodes }
          : notYet("the GraphQL, anvil and three node URLs on stdout", { graphqlUrl, rpcUrl, nodes });
      },
      { timeoutMs: 300_000, intervalMs: 500, diagnose: devnetTail },
    );

    const counts = await waitFor(
      "accepted and rejected contributions, attributed inferences and points for every worker",
      async () => {
        if (child!.exitCode !== null) throw new WaitForAbort(`devnet exited early:\n${devnetTail()}`);
        const c = await graphql<Counts>(
          urls.graphqlUrl,
          `{ accepted: contributions(where: { status: "accepted" }) { totalCount }
             rejected: contributions(where: { status: "rejected" }) { totalCount }
             inferences { totalCount } attributions { totalCount }
             workers { items { address totalPoints } } }`,
        );
        const unmet = [
          c.accepted.totalCount > 0 ? "" : "no accepted contribution",
          c.rejected.totalCount > 0 ? "" : "no rejected contribution",
          c.inferences.totalCount > 0 ? "" : "no inference",
          c.attributions.totalCount > 0 ? "" : "no attribution entry",
          c.workers.items.length === 3 ? "" : `${c.workers.items.length} of 3 workers indexed`,
          ...c.workers.items
            .filter((w) => BigInt(w.totalPoints) <= 0n)
            .map((w) => `no points for ${w.address}`),
        ].filter(Boolean);
        const seen = {
          accepted: c.accepted.totalCount,
          rejected: c.rejected.totalCount,
          inferences: c.inferences.totalCount,
          attributions: c.attributions.totalCount,
          points: Object.fromEntries(c.workers.items.map((w) => [w.address, w.totalPoints])),
        };
        return unmet.length ? notYet(unmet.join(", "), seen) : c;
      },
      { timeoutMs: 420_000, intervalMs: 2000, diagnose: devnetTail },
    );
    expect(counts.workers.items).toHaveLength(3);

    // Every node reports itself synced and peered.
    for (const node of urls.nodes) {
      const ready = await fetch(`${node}/ready`);
      expect(ready.status, await ready.text()).toBe(200);
    }

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr).toContain("stopped");
    for (const url of [urls.rpcUrl, urls.graphqlUrl, ...urls.nodes])
      expect(await isListening(url)).toBe(false);
    // No process of this devnet survives: anvil, postgres and ponder all ran with paths under dataDir or its ports.
    const { execFileSync } = await import("node:child_process");
    const ps = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
    const port = new URL(urls.rpcUrl).port;
    const left = ps.split("\n").filter((l) => l.includes(dataDir) || l.includes(`--port ${port} `));
    expect(left).toEqual([]);
  });
});
