import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Benchmark, figure } from "./benchmark.ts";

const entry = new URL("../../node/cli/olnode.ts", import.meta.url).pathname;

/** Attribution entries the GraphQL API at `graphqlUrl` shows (0 while it does not answer). */
export async function attributions(graphqlUrl: string): Promise<number> {
  try {
    const res = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ attributions { totalCount } }" }),
      signal: AbortSignal.timeout(3000),
    });
    const body = (await res.json()) as { data?: { attributions: { totalCount: number } } };
    return body.data?.attributions.totalCount ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Starts `olnode devnet` (what `npm start` runs) on this host and stops it at its first attributed inference:
 * seconds from the start until it printed its URLs and until the API showed an attribution.
 */
export async function measureHostDevnet(): Promise<{ upS: number; attributedS: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), "olnode-bench-devnet-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE")));
  const t0 = performance.now();
  const child = spawn(process.execPath, [entry, "devnet"], {
    env: { ...env, OLNODE__DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", () => {});
  let upAt: number | undefined;
  let attributedAt: number | undefined;
  const deadline = Date.now() + 600_000;
  try {
    while (Date.now() < deadline && child.exitCode === null) {
      const graphql = /GraphQL\s+(\S+)/.exec(out)?.[1];
      if (graphql && upAt === undefined) upAt = performance.now();
      if (graphql && (await attributions(graphql)) > 0) {
        attributedAt = performance.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (upAt === undefined || attributedAt === undefined)
    throw new Error("the devnet never showed an attributed inference");
  const s = (ms: number) => (ms - t0) / 1000;
  return { upS: s(upAt), attributedS: s(attributedAt) };
}

const benchmarks: Benchmark[] = [
  {
    name: "node.devnet_ready",
    description:
      "seconds from `olnode devnet` (what `npm start` runs) to the first attributed inference in the API",
    async run() {
      const { upS, attributedS } = await measureHostDevnet();
      return [
        figure(
          "node.devnet_ready",
          attributedS,
          "s",
          upS,
          "baseline: seconds until the same devnet printed its URLs (services started, no traffic yet)",
          {
            target: "<= 60 (issue 8)",
            met: attributedS <= 60,
          },
        ),
      ];
    },
  },
];

export default benchmarks;
