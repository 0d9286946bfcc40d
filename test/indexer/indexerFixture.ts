import type { DeployContractsReturnType } from "../../contracts/deploy/deployContracts.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import {
  type IndexerProcess,
  type StartIndexerParameters,
  startIndexer,
} from "../../indexer/startIndexer.ts";
import { startTestChain, type TestChain } from "../harness/anvil.ts";
import { registerDiagnosis } from "../harness/currentTest.ts";
import { graphql as postGraphql } from "../harness/graphql.ts";
import { lastLines, notYet, waitFor } from "../harness/waitFor.ts";

/** Config overrides that point the indexer at a test chain, database and deployment. */
export function indexerOverrides(
  chain: Pick<TestChain, "rpcUrl">,
  databaseUrl: string,
  deployment: Pick<DeployContractsReturnType, "addresses" | "deploymentBlock">,
  pollingIntervalMs = 200,
): NonNullable<StartIndexerParameters["overrides"]> {
  const a = deployment.addresses;
  return {
    "chain.l2RpcUrl": chain.rpcUrl,
    "chain.pollingIntervalMs": pollingIntervalMs,
    "database.url": databaseUrl,
    "contracts.datanetRegistry": a.datanetRegistry,
    "contracts.modelRegistry": a.modelRegistry,
    "contracts.attributionLedger": a.attributionLedger,
    "contracts.epochManager": a.epochManager,
    "contracts.pointsDistributor": a.pointsDistributor,
    "contracts.startBlock": Number(deployment.deploymentBlock),
  };
}

/** A clean environment: the test runner's OLNODE__* or DATABASE_URL must not leak into the indexer. */
export function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("OLNODE") && k !== "DATABASE_URL" && k !== "L2_RPC_URL" && k !== "ROLLUP_RPC_URL")
      env[k] = v;
  }
  return env;
}

export async function startDeployedChain(params: Parameters<typeof deployContracts>[0]["params"] = {}) {
  const chain = await startTestChain();
  const deployment = await deployContracts({
    walletClient: chain.walletClient(),
    publicClient: chain.publicClient,
    // Short epochs and heartbeat windows keep a full protocol round to a few hundred blocks.
    params: { epochLength: 40n, heartbeatWindowBlocks: 10, ...params },
  });
  return { chain, deployment };
}

export async function startTestIndexer(
  parameters: {
    chain: Pick<TestChain, "rpcUrl">;
    databaseUrl: string;
    deployment: Pick<DeployContractsReturnType, "addresses" | "deploymentBlock">;
    schema?: string;
  } & Omit<StartIndexerParameters, "overrides" | "env">,
): Promise<IndexerProcess> {
  const { chain, databaseUrl, deployment, onLog, ...rest } = parameters;
  // Its last lines end any wait of the file that gives up (test/harness/currentTest.ts).
  const recent: string[] = [];
  const indexer = await startIndexer({
    env: cleanEnv(),
    overrides: indexerOverrides(chain, databaseUrl, deployment),
    onLog: (line) => {
      recent.push(line.slice(0, 600));
      if (recent.length > 30) recent.shift();
      if (/"level":(50|60)/.test(line)) console.error(line.slice(0, 2000));
      onLog?.(line);
    },
    ...rest,
  });
  registerDiagnosis(`indexer ${indexer.pid}`, () =>
    lastLines(`the indexer (ponder, pid ${indexer.pid})`, recent.join("\n"), 30),
  );
  return indexer;
}

/** GET a JSON route; bigints arrive as strings. */
export async function getJson(indexer: Pick<IndexerProcess, "url">, path: string) {
  const res = await fetch(indexer.url + path);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return {
    status: res.status,
    body: body as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

export function graphql<T = Record<string, { items: Record<string, unknown>[] }>>(
  indexer: Pick<IndexerProcess, "url">,
  query: string,
): Promise<T> {
  return postGraphql<T>(`${indexer.url}/graphql`, query);
}

/** Waits until the indexer has processed `block` (Ponder's /status). */
export async function waitForBlock(indexer: Pick<IndexerProcess, "url">, block: bigint, timeoutMs = 60_000) {
  await waitFor(
    `the indexer to reach block ${block}`,
    async () => {
      const { status, body } = await getJson(indexer, "/status");
      const n = (body as { openledger?: { block?: { number?: number } } }).openledger?.block?.number;
      return n !== undefined && BigInt(n) >= block
        ? true
        : notYet(`indexed block ${n ?? "unknown"} < ${block}`, { status, body });
    },
    { timeoutMs, intervalMs: 50 },
  );
}
