import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { createPublicClient, createWalletClient, http, type PublicClient, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type Common, createCommon } from "../../config/common/createCommon.ts";
import type { Logger } from "../../config/common/createLogger.ts";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { loadConfig } from "../../config/loadConfig.ts";
import { preferPort } from "../../config/services/allocatePort.ts";
import { type AnvilProcess, launchAnvil } from "../../config/services/launchAnvil.ts";
import { launchPostgres, type PostgresProcess } from "../../config/services/launchPostgres.ts";
import { defineL2Chain } from "../../contracts/chain/defineL2Chain.ts";
import { type DeployedAddresses, deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { DEVNET_FUNDED_ACCOUNTS, DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { type IndexerProcess, startIndexer } from "../../indexer/startIndexer.ts";
import { createNode, type OlNode } from "../daemon/createNode.ts";
import { createEpochCloser } from "./createEpochCloser.ts";
import { createTrafficGenerator } from "./createTrafficGenerator.ts";
import { type Leftovers, reapLeftovers } from "./reapLeftovers.ts";

export type StartDevnetParameters = {
  /** Where the devnet keeps its files; wiped at start (a devnet is throwaway). */
  dir: string;
  nodes?: number;
  /** Postgres server to use instead of an embedded one; a fresh database is created on it and dropped on stop. */
  databaseUrl?: string;
  traffic?: boolean;
  /** Milliseconds between traffic actions. */
  trafficIntervalMs?: number;
  logger: Logger;
  onProgress?: (message: string) => void;
};

export type Devnet = {
  rpcUrl: string;
  indexerUrl: string;
  graphqlUrl: string;
  restUrl: string;
  databaseUrl: string;
  nodes: { name: string; httpUrl: string; peerId: string | undefined; address: string }[];
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
  stop(): Promise<void>;
};

/**
 * Everything of OpenLedger on one machine: anvil (--network optimism, 1 s blocks) as the L2, Postgres,
 * the protocol contracts, the indexer, `nodes` olnode daemons (p2p + worker) gossiping on loopback, an epoch
 * closer posting points roots, and a traffic generator. Stops everything on `stop()`.
 */
export async function startDevnet(parameters: StartDevnetParameters): Promise<Devnet> {
  const progress = parameters.onProgress ?? (() => {});
  const dir = resolve(parameters.dir);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    const t0 = Date.now();
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch (error) {
        parameters.logger.warn({ msg: "Devnet stop step failed", error: (error as Error).message });
      }
    }
    parameters.logger.info({ msg: "Devnet stopped", ms: Date.now() - t0 });
  };
  const count = parameters.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > DEVNET_KEYS.workers.length) {
    throw new NonRetryableUserError(`A devnet runs 1 to ${DEVNET_KEYS.workers.length} nodes, not ${count}.`, {
      hint: `Pass nodes between 1 and ${DEVNET_KEYS.workers.length}: each needs its own funded worker account.`,
    });
  }
  try {
    reapLeftovers(join(dir, "pids.json"), parameters.logger);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const leftovers: Leftovers = { pids: [], dirs: [] };
    const record = () => writeFileSync(join(dir, "pids.json"), JSON.stringify(leftovers));
    const recordPid = (pid: number) => {
      leftovers.pids.push(pid);
      record();
    };

    progress("starting anvil (--network optimism, 1 s blocks)");
    const anvil: AnvilProcess = await launchAnvil({
      port: await preferPort(8545),
      blockTime: 1,
      args: ["--accounts", String(DEVNET_FUNDED_ACCOUNTS)],
    });
    stops.push(() => anvil.stop());
    recordPid(anvil.pid);

    let databaseUrl: string;
    if (parameters.databaseUrl) {
      progress("creating a fresh database on DATABASE_URL");
      const name = `olnode_devnet_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: parameters.databaseUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      const u = new URL(parameters.databaseUrl);
      u.pathname = `/${name}`;
      databaseUrl = u.toString();
      stops.push(async () => {
        const c = new pg.Client({ connectionString: parameters.databaseUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      });
    } else {
      progress("starting embedded Postgres");
      // A temp data dir: the devnet's database is throwaway, and as root Postgres runs as the `postgres` user,
      // which may not be able to reach a folder under the caller's home.
      const server: PostgresProcess = await launchPostgres({ ephemeral: true });
      stops.push(() => server.stop());
      // Outside `dir`, so a SIGKILLed run would leave it behind: the next start removes it.
      leftovers.dirs.push(server.dataDir);
      recordPid(server.pid);
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE olnode`);
      await admin.end();
      databaseUrl = server.urlFor("olnode");
    }

    progress("deploying the protocol contracts");
    const chain = defineL2Chain({ id: anvil.chainId, rpcUrl: anvil.rpcUrl, name: "OpenLedger devnet" });
    const transport = http(anvil.rpcUrl, { retryCount: 3 });
    const publicClient = createPublicClient({
      chain,
      transport,
      pollingInterval: 250,
      cacheTime: 0,
    }) as PublicClient;
    const wallet = (key: `0x${string}`) =>
      createWalletClient({ chain, transport, account: privateKeyToAccount(key) }) as WalletClient;
    const deployer = wallet(DEVNET_KEYS.deployer);
    const deployed = await deployContracts({ walletClient: deployer as never, publicClient });
    const deploymentFile = join(dir, "deployment.json");
    writeFileSync(
      deploymentFile,
      `${JSON.stringify({ chainId: anvil.chainId, startBlock: Number(deployed.deploymentBlock), addresses: deployed.addresses }, null, 2)}\n`,
    );

    const baseEnv: Record<string, string> = {
      OLNODE__NETWORK: "devnet",
      OLNODE__CHAIN__L2_RPC_URL: anvil.rpcUrl,
      OLNODE__CHAIN__POLLING_INTERVAL_MS: "500",
      OLNODE__CONTRACTS__DEPLOYMENT_FILE: deploymentFile,
      OLNODE__DATABASE__URL: databaseUrl,
      OLNODE__LOG__FORMAT: "json",
    };

    progress("starting the indexer (Ponder)");
    const indexerPort = await preferPort(42069);
    const cleanEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE") && k !== "DATABASE_URL"),
    );
    const indexerLog = parameters.logger.child({ service: "indexer" });
    const indexer: IndexerProcess = await startIndexer({
      env: { ...cleanEnv, ...baseEnv },
      port: indexerPort,
      onLog: (line) => indexerLog.debug({ msg: line.slice(0, 2000) }),
      readyTimeoutMs: 180_000,
    });
    stops.push(() => indexer.stop());
    recordPid(indexer.pid);

    progress(`starting ${count} nodes (p2p + worker)`);
    const nodes: OlNode[] = [];
    const commons: Common[] = [];
    const nodeInfo: Devnet["nodes"] = [];
    // Nodes stop together: each waits for its own in-flight work, there is no reason to queue them.
    stops.push(() => Promise.all(commons.map((c) => c.shutdown.kill("devnet stop"))));
    for (let i = 0; i < count; i++) {
      const name = `node-${i + 1}`;
      const key = DEVNET_KEYS.workers[i]!;
      const config = loadConfig({
        env: baseEnv,
        overrides: {
          dataDir: join(dir, name),
          "http.port": await preferPort(9400 + i),
          "p2p.listen": ["/ip4/127.0.0.1/tcp/0"],
          "p2p.bootstrap": nodes[0] ? nodes[0].multiaddrs().slice(0, 1) : [],
          "database.workerSchema": `olnode_worker_${i + 1}`,
          "worker.stake": "1",
        },
      });
      const common = createCommon({
        logger: parameters.logger.child({ service: name }),
        defaultMetrics: false,
      });
      commons.push(common);
      const node = await createNode(common, config, {
        account: privateKeyToAccount(key),
        // Every devnet node shares 127.0.0.1: without this, gossipsub's IP-colocation penalty would isolate them.
        p2p: { ipColocationWhitelist: ["127.0.0.1"], backfillDelayMs: 500, sweepIntervalMs: 5_000 },
      });
      nodes.push(node);
      nodeInfo.push({
        name,
        httpUrl: node.httpUrl,
        peerId: node.peerId,
        address: privateKeyToAccount(key).address,
      });
    }
    for (const n of nodes.slice(1))
      for (const a of nodes[0]!.multiaddrs().slice(0, 1)) await n.p2p?.dial(a).catch(() => {});

    progress("registering workers and starting the first epoch");
    const em = { address: deployed.addresses.epochManager, abi: epochManagerAbi } as const;
    for (const n of nodes) void n.worker?.tick();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const regs = await Promise.all(
        nodeInfo.map((n) =>
          publicClient.readContract({ ...em, functionName: "getWorker", args: [n.address as `0x${string}`] }),
        ),
      );
      if (regs.every((w) => w.registered)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Workers are active from the epoch after they register: skip the rest of this one instead of waiting.
    const [genesis, length, head] = await Promise.all([
      publicClient.readContract({ ...em, functionName: "genesisBlock" }),
      publicClient.readContract({ ...em, functionName: "epochLength" }),
      publicClient.getBlockNumber(),
    ]);
    const into = (head - genesis) % length;
    await publicClient.request({
      method: "anvil_mine" as never,
      params: [`0x${(length - into).toString(16)}`] as never,
    });

    const closer = createEpochCloser(commons[0]!, {
      publicClient,
      walletClient: deployer,
      epochManager: deployed.addresses.epochManager,
      fromBlock: deployed.deploymentBlock,
    });
    const closerTimer = setInterval(() => void closer.closeEnded(), 3_000);
    stops.push(async () => clearInterval(closerTimer));

    let traffic: ReturnType<typeof createTrafficGenerator> | undefined;
    if (parameters.traffic ?? true) {
      progress("starting the traffic generator");
      const trafficCommon = createCommon({
        logger: parameters.logger.child({ service: "traffic" }),
        defaultMetrics: false,
      });
      traffic = createTrafficGenerator(trafficCommon, {
        publicClient,
        owner: wallet(DEVNET_KEYS.owner),
        contributors: DEVNET_KEYS.contributors.map(wallet),
        payer: wallet(DEVNET_KEYS.payer),
        addresses: deployed.addresses,
        publisher: nodes[nodes.length - 1]!.p2p!,
      });
      const t = traffic;
      const timer = setInterval(() => void t.step(), parameters.trafficIntervalMs ?? 1500);
      void t.step();
      stops.push(async () => clearInterval(timer));
    }

    return {
      rpcUrl: anvil.rpcUrl,
      indexerUrl: indexer.url,
      graphqlUrl: `${indexer.url}/graphql`,
      restUrl: `${indexer.url}/api/v1`,
      databaseUrl,
      nodes: nodeInfo,
      deploymentFile,
      traffic,
      chain: {
        publicClient,
        addresses: deployed.addresses,
        deploymentBlock: deployed.deploymentBlock,
        wallet,
      },
      olNodes: nodes,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export function devnetDir(dataDir: string): string {
  return join(dataDir, "devnet");
}
