import { join } from "node:path";
import { createPublicClient, http, type LocalAccount, type PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { type Config, requireConfig } from "../../config/loadConfig.ts";
import { defineL2Chain } from "../../contracts/chain/defineL2Chain.ts";
import type { IndexerViews } from "../../indexer/indexerViews.ts";
import { createP2PNode, type P2PNode, type P2POptions } from "../../p2p/index.ts";
import { createChainFollower } from "../chain/createChainFollower.ts";
import { createNodeHttpServer, type NodeHttpServer } from "../http/createNodeHttpServer.ts";
import { createReportsRoute } from "../http/createReportsRoute.ts";
import { p2pKeyPath } from "../keys/operatorKeyPaths.ts";
import { createIndexerCommitmentSource } from "../p2p/createIndexerCommitmentSource.ts";
import type { defaultWorkerOptions, Worker } from "../worker/createWorker.ts";
import { createIndexerSubjectSource } from "../worker/subjects/createIndexerSubjectSource.ts";
import type { TxFailing } from "../worker/tx/createTxSubmitter.ts";
import { createNodeReadiness } from "./createNodeReadiness.ts";
import { createViewsDb } from "./createViewsDb.ts";
import { followDatanets } from "./followDatanets.ts";
import { requireContracts } from "./requireContracts.ts";
import { startNodeWorker } from "./startNodeWorker.ts";

export type CreateNodeParameters = {
  /** The operator key; without it the node runs follower, p2p and HTTP but no worker. */
  account?: LocalAccount;
  /** p2p options beyond the config (the devnet sets loopback addresses and colocation whitelists). */
  p2p?: Partial<P2POptions>;
  /** Worker heartbeats, concurrency …: defaults from createWorker. */
  worker?: Partial<typeof defaultWorkerOptions>;
};

export type OlNode = {
  peerId: string | undefined;
  multiaddrs(): string[];
  httpUrl: string;
  p2p: P2PNode | undefined;
  worker: Worker | undefined;
  publicClient: PublicClient;
  status(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
};

/**
 * `olnode start`: the chain follower, the p2p node (with commitments read from the indexer's views), the
 * worker (when an operator key is given and worker.enabled) and the HTTP server, all on one Common so one
 * shutdown stops them in reverse order.
 */
export async function createNode(
  common: Common,
  config: Config,
  parameters: CreateNodeParameters = {},
): Promise<OlNode> {
  const log = common.logger.child({ module: "node" });
  const why = "for `olnode start`";
  const databaseUrl = requireConfig(config, "database.url", config.database.url, why);
  const addresses = requireContracts(config, why);
  const chain = defineL2Chain({ id: config.chain.chainId, rpcUrl: config.chain.l2RpcUrl });
  const publicClient = createPublicClient({
    chain,
    transport: http(config.chain.l2RpcUrl, { retryCount: 2, timeout: 15_000 }),
    pollingInterval: Math.min(1000, config.chain.pollingIntervalMs),
  }) as PublicClient;

  const follower = createChainFollower(common, {
    l2RpcUrl: config.chain.l2RpcUrl,
    rollupRpcUrl: config.chain.rollupRpcUrl,
    chainId: config.chain.chainId,
    pollingIntervalMs: config.chain.pollingIntervalMs,
    stallAfterMs: config.chain.stallAfterMs,
  });

  const views = createViewsDb<IndexerViews>(common, {
    databaseUrl,
    viewsSchema: config.database.viewsSchema,
  });
  const subjects = createIndexerSubjectSource(views);
  const commitments = createIndexerCommitmentSource(common, views);
  common.shutdown.add("commitment source", () => commitments.stop());

  let p2p: P2PNode | undefined;
  if (config.p2p.enabled) {
    p2p = await createP2PNode(common, {
      options: {
        keyPath: p2pKeyPath(config),
        storePath: join(config.dataDir, "p2p", "store"),
        listen: config.p2p.listen,
        announce: config.p2p.announce,
        bootstrap: config.p2p.bootstrap,
        maxConnections: config.p2p.maxConnections,
        ...parameters.p2p,
      },
      commitments,
    });
    await followDatanets(common, { views, p2p });
  }

  let worker: Worker | undefined;
  let txFailing: (() => TxFailing | undefined) | undefined;
  if (config.worker.enabled && parameters.account) {
    if (!p2p) log.warn({ msg: "worker.enabled needs p2p.enabled to fetch chunks; the worker is off" });
    else
      ({ worker, txFailing } = await startNodeWorker(common, {
        config,
        databaseUrl,
        account: parameters.account,
        chain,
        publicClient,
        addresses,
        follower,
        subjects,
        p2p,
        ...(parameters.worker && { worker: parameters.worker }),
      }));
  }

  const httpServer: NodeHttpServer = await createNodeHttpServer(common, {
    host: config.http.host,
    port: config.http.port,
    readiness: createNodeReadiness({ follower, worker, txFailing, p2p }),
    status: () => status(),
    routes: worker ? { "/reports/": createReportsRoute((key) => worker.report(key)) } : {},
  });

  async function status() {
    const chainStatus = follower.status();
    return {
      network: config.network,
      chainId: config.chain.chainId,
      chain: chainStatus,
      p2p: p2p
        ? {
            peerId: p2p.peerId,
            peers: p2p.connectedPeers().length,
            addresses: p2p.multiaddrs(),
            store: p2p.store.totals(),
          }
        : null,
      index: { block: await subjects.indexedBlock().catch(() => undefined) },
      worker: worker
        ? { address: parameters.account?.address, ...worker.status(), txFailing: txFailing?.() ?? null }
        : null,
    };
  }

  log.info({ msg: "Node started", http: httpServer.url, peerId: p2p?.peerId, worker: Boolean(worker) });
  return {
    peerId: p2p?.peerId,
    multiaddrs: () => p2p?.multiaddrs() ?? [],
    httpUrl: httpServer.url,
    p2p,
    worker,
    publicClient,
    status,
    stop: () => common.shutdown.kill("node stop"),
  };
}
