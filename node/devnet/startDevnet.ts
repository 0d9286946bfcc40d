import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PublicClient, WalletClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import type { Logger } from "../../config/common/createLogger.ts";
import { createShutdown } from "../../config/common/createShutdown.ts";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { preferPort } from "../../config/services/allocatePort.ts";
import { launchAnvil } from "../../config/services/launchAnvil.ts";
import type { DeployedAddresses, DeployParams } from "../../contracts/deploy/deployContracts.ts";
import { DEVNET_FUNDED_ACCOUNTS, DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { startIndexer } from "../../indexer/startIndexer.ts";
import type { OlNode } from "../daemon/createNode.ts";
import { activateDevnetWorkers } from "./activateDevnetWorkers.ts";
import { startRunRecord } from "./createRunRecord.ts";
import { deployDevnetContracts } from "./deployDevnetContracts.ts";
import { startDevnetActivity } from "./startDevnetActivity.ts";
import { startDevnetDatabase } from "./startDevnetDatabase.ts";
import { type DevnetNodeInfo, startDevnetNodes } from "./startDevnetNodes.ts";

export type StartDevnetParameters = {
  /** Where the devnet keeps its files; wiped at start (a devnet is throwaway). */
  dir: string;
  nodes?: number;
  /** Postgres server to use instead of an embedded one; a fresh database is created on it and dropped on stop. */
  databaseUrl?: string;
  traffic?: boolean;
  /** Milliseconds between traffic actions. */
  trafficIntervalMs?: number;
  /** Overrides of the protocol's devnet parameters (`defaultDeployParams`), e.g. shorter epochs for a benchmark. */
  deployParams?: Partial<DeployParams>;
  logger: Logger;
  onProgress?: (message: string) => void;
  /** Aborting it during start-up stops what has started and rejects (Ctrl-C before the devnet is up). */
  signal?: AbortSignal;
};

export type Devnet = {
  rpcUrl: string;
  indexerUrl: string;
  graphqlUrl: string;
  restUrl: string;
  databaseUrl: string;
  nodes: DevnetNodeInfo[];
  deploymentFile: string;
  traffic: { counts(): Record<string, number> } | undefined;
  /** The chain side, for tests and tools that drive the devnet from the same process. */
  chain: {
    publicClient: PublicClient;
    addresses: DeployedAddresses;
    deploymentBlock: bigint;
    /** A wallet client on the devnet for one of DEVNET_KEYS. */
    wallet(key: `0x${string}`): WalletClient;
  };
  /** The running nodes (p2p, worker), in `nodes` order. */
  olNodes: OlNode[];
  /**
   * Stops everything in dependency order (traffic, nodes, indexer, database, anvil), each bounded
   * and then killed, and resolves only once none of the devnet's processes is left.
   */
  stop(): Promise<void>;
};

/**
 * Everything of OpenLedger on one machine: anvil (--network optimism, 1 s blocks) as the L2, Postgres,
 * the protocol contracts, the indexer, `nodes` olnode daemons (p2p + worker, whose votes on points roots close
 * the epochs) gossiping on loopback, and a traffic generator. This file only wires the parts; each registers its
 * stop on one `Shutdown`, which runs them in reverse (what uses a service stops before the service).
 */
export async function startDevnet(parameters: StartDevnetParameters): Promise<Devnet> {
  const progress = parameters.onProgress ?? (() => {});
  const { logger, signal } = parameters;
  const dir = resolve(parameters.dir);
  const count = parameters.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > DEVNET_KEYS.workers.length) {
    throw new NonRetryableUserError(`A devnet runs 1 to ${DEVNET_KEYS.workers.length} nodes, not ${count}.`, {
      hint: `Pass nodes between 1 and ${DEVNET_KEYS.workers.length}: each needs its own funded worker account.`,
    });
  }
  const shutdown = createShutdown({ logger, defaultTimeoutMs: 10_000 });
  const pidFile = join(dir, "pids.json");
  const record = startRunRecord(pidFile, logger);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const stop = async () => {
    const t0 = Date.now();
    await shutdown.kill("devnet stop");
    const left = await record.ensureGone();
    if (left.length > 0) logger.error({ msg: "Devnet processes outlived their stop", pids: left });
    logger.info({ msg: "Devnet stopped", ms: Date.now() - t0 });
  };
  const step = (message: string) => {
    signal?.throwIfAborted();
    progress(message);
  };

  try {
    step("starting anvil (--network optimism, 1 s blocks)");
    const anvil = await launchAnvil({
      port: await preferPort(8545),
      blockTime: 1,
      args: ["--accounts", String(DEVNET_FUNDED_ACCOUNTS)],
    });
    shutdown.add("anvil", () => anvil.stop());
    record.addProcess(anvil.pid);

    signal?.throwIfAborted();
    const databaseUrl = await startDevnetDatabase({
      serverUrl: parameters.databaseUrl,
      logger,
      shutdown,
      record,
      progress: step,
    });

    step("deploying the protocol contracts");
    const chain = await deployDevnetContracts(anvil, dir, parameters.deployParams);
    const baseEnv: Record<string, string> = {
      OLNODE__NETWORK: "devnet",
      OLNODE__CHAIN__L2_RPC_URL: anvil.rpcUrl,
      OLNODE__CHAIN__POLLING_INTERVAL_MS: "500",
      OLNODE__CONTRACTS__DEPLOYMENT_FILE: chain.deploymentFile,
      OLNODE__DATABASE__URL: databaseUrl,
      OLNODE__LOG__FORMAT: "json",
    };

    step("starting the indexer (Ponder)");
    const cleanEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE") && k !== "DATABASE_URL"),
    );
    const indexerLog = logger.child({ service: "indexer" });
    const indexer = await startIndexer({
      env: { ...cleanEnv, ...baseEnv },
      port: await preferPort(42069),
      onLog: (line) => indexerLog.debug({ msg: line.slice(0, 2000) }),
      readyTimeoutMs: 180_000,
    });
    // startIndexer's own grace is 10 s (SIGTERM, then SIGKILL of its group): wait for it to finish.
    shutdown.add("indexer", () => indexer.stop(), 15_000);
    record.addProcess(indexer.pid);

    step(`starting ${count} nodes (p2p + worker)`);
    const commons: Common[] = [];
    // Nodes stop together: each waits for its own in-flight work, there is no reason to queue them.
    shutdown.add(
      "nodes",
      async () => {
        await Promise.all(commons.map((c) => c.shutdown.kill("devnet stop")));
      },
      30_000,
    );
    const { nodes, info } = await startDevnetNodes({
      count,
      dir,
      env: baseEnv,
      logger,
      onCommon: (c) => commons.push(c),
    });

    step("registering workers and starting the first epoch");
    await activateDevnetWorkers({
      publicClient: chain.publicClient,
      epochManager: chain.addresses.epochManager,
      nodes,
      workers: info.map((n) => n.address as `0x${string}`),
      ...(signal && { signal }),
    });

    if (parameters.traffic ?? true) step("starting the traffic generator");
    const { traffic } = startDevnetActivity({
      logger,
      publicClient: chain.publicClient,
      wallet: chain.wallet,
      addresses: chain.addresses,
      publisher: nodes[nodes.length - 1]!.p2p!,
      shutdown,
      ...(parameters.traffic !== undefined && { traffic: parameters.traffic }),
      ...(parameters.trafficIntervalMs !== undefined && { trafficIntervalMs: parameters.trafficIntervalMs }),
    });
    signal?.throwIfAborted();

    return {
      rpcUrl: anvil.rpcUrl,
      indexerUrl: indexer.url,
      graphqlUrl: `${indexer.url}/graphql`,
      restUrl: `${indexer.url}/api/v1`,
      databaseUrl,
      nodes: info,
      deploymentFile: chain.deploymentFile,
      traffic,
      chain: {
        publicClient: chain.publicClient,
        addresses: chain.addresses,
        deploymentBlock: chain.deploymentBlock,
        wallet: chain.wallet,
      },
      olNodes: nodes,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function devnetDir(dataDir: string): string {
  return join(dataDir, "devnet");
}
