import { join } from "node:path";
import { createPublicClient, http, type LocalAccount, type PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { type Config, requireConfig } from "../../config/loadConfig.ts";
import { readTestHooks } from "../../config/testHooks.ts";
import { defineL2Chain } from "../../contracts/chain/defineL2Chain.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import type { IndexerViews } from "../../indexer/indexerViews.ts";
import { createP2PNode, type P2PNode, type P2POptions } from "../../p2p/index.ts";
import { createTiktokenTokenizer } from "../attribution/index.ts";
import { createChainFollower } from "../chain/createChainFollower.ts";
import { createNodeHttpServer, type NodeHttpServer } from "../http/createNodeHttpServer.ts";
import { createReportsRoute } from "../http/createReportsRoute.ts";
import { p2pKeyPath } from "../keys/operatorKeyPaths.ts";
import { createIndexerCommitmentSource } from "../p2p/createIndexerCommitmentSource.ts";
import { createCallSender } from "../worker/createCallSender.ts";
import { createContributionChecker } from "../worker/createContributionChecker.ts";
import { createInferenceChecker } from "../worker/createInferenceChecker.ts";
import { createTaskStore } from "../worker/createTaskStore.ts";
import { createWorker, defaultWorkerOptions, type Worker } from "../worker/createWorker.ts";
import { createWorkerDb } from "../worker/db/createWorkerDb.ts";
import { migrateWorkerDb } from "../worker/db/migrateWorkerDb.ts";
import { isAlreadyDone } from "../worker/revertMeaning.ts";
import { createIndexerSubjectSource } from "../worker/subjects/createIndexerSubjectSource.ts";
import { createTxSubmitter, type TxFailing } from "../worker/tx/createTxSubmitter.ts";
import { createViewsDb } from "./createViewsDb.ts";
import { requireContracts } from "./requireContracts.ts";

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
    // Follow every Datanet: chunks of any of them may be assigned to this worker or needed for a re-check.
    const subscribed = new Set<bigint>();
    const subscribeAll = async () => {
      try {
        const rows = await views.selectFrom("datanet").select("id").execute();
        for (const r of rows) {
          const id = BigInt(r.id);
          if (!subscribed.has(id)) {
            subscribed.add(id);
            p2p!.subscribe(id);
          }
        }
      } catch {
        // indexer not ready yet
      }
    };
    await subscribeAll();
    const timer = setInterval(() => void subscribeAll(), 2000);
    common.shutdown.add("datanet subscriptions", () => clearInterval(timer));
  }

  let worker: Worker | undefined;
  let txFailing: (() => TxFailing | undefined) | undefined;
  if (config.worker.enabled && parameters.account) {
    if (!p2p) log.warn({ msg: "worker.enabled needs p2p.enabled to fetch chunks; the worker is off" });
    else {
      const db = createWorkerDb({ databaseUrl, schema: config.database.workerSchema, logger: common.logger });
      common.shutdown.add("worker db", () => db.destroy());
      await migrateWorkerDb(db, config.database.workerSchema);
      const crash = readTestHooks().crashAt;
      const submitter = createTxSubmitter(common, {
        db,
        publicClient,
        account: parameters.account,
        chain,
        maxFeePerGas: BigInt(Math.round(config.worker.maxFeePerGasGwei * 1e9)),
        pollingIntervalMs: Math.min(1000, config.chain.pollingIntervalMs),
        errorAbi: epochManagerAbi,
        // A submission waits out an RPC outage inside the worker's pass; a shorter ceiling than the
        // default resumes it within seconds of the RPC's return (outage e2e test), at one call per 5 s.
        backoff: { maxMs: 5_000 },
        // After a crash, a resumed attestation or registration may find its goal already reached.
        isSatisfied: isAlreadyDone,
        ...(crash && {
          onStep: (step, key) => {
            if (key.startsWith("attest:")) crash(`tx:${step}`);
          },
        }),
      });
      txFailing = () => submitter.failing();
      // In the background: with the RPC down, recovery waits, and the HTTP server must come up regardless.
      void submitter
        .recover()
        .then((r) => r.resumed && log.info({ msg: "Resumed unfinished transactions", ...r }))
        .catch((error) =>
          log.warn({
            msg: "Transaction recovery failed; it resumes on the next submit",
            error: (error as Error).message,
          }),
        );
      const p2pNode = p2p;
      const indexCurrent = async () => {
        const [indexed, head] = [await subjects.indexedBlock(), follower.status().head?.number];
        return indexed !== undefined && head !== undefined && head - indexed <= 10n;
      };
      let indexOk = false;
      const indexTimer = setInterval(() => void indexCurrent().then((ok) => (indexOk = ok)), 2000);
      common.shutdown.add("index watch", () => clearInterval(indexTimer));
      worker = createWorker(
        common,
        {
          account: parameters.account.address,
          epochManager: addresses.epochManager,
          publicClient,
          subjects,
          tasks: createTaskStore(db),
          sender: createCallSender(submitter, epochManagerAbi),
          checkContribution: createContributionChecker({ subjects, chunks: p2pNode }),
          checkInference: createInferenceChecker({
            subjects,
            content: p2pNode,
            tokenizer: createTiktokenTokenizer(),
          }),
          healthy: () => {
            const s = follower.status();
            return s.connected && !s.stalled && p2pNode.connectedPeers().length > 0 && indexOk;
          },
          ...(crash && { onStep: (step) => crash(step) }),
        },
        {
          ...defaultWorkerOptions,
          ...parameters.worker,
          stake: parseOpen(config.worker.stake),
          peerId: p2pNode.peerId,
        },
      );
      const w = worker;
      // A pass on every new head, and on a timer too: a quiet chain still has assignments to retry.
      follower.onHead(() => void w.tick());
      const tickTimer = setInterval(() => void w.tick(), Math.max(1000, config.chain.pollingIntervalMs * 2));
      common.shutdown.add("worker timer", () => clearInterval(tickTimer));
      void w.tick();
      common.shutdown.add("worker", () => w.stop());
    }
  }

  const httpServer: NodeHttpServer = await createNodeHttpServer(common, {
    host: config.http.host,
    port: config.http.port,
    readiness: {
      chain: () => {
        const s = follower.status();
        if (s.wrongChain) return { ok: false, reason: `L2 RPC is on the wrong chain` };
        if (!s.connected)
          return { ok: false, reason: `L2 RPC unreachable: ${s.lastError ?? "no answer yet"}` };
        if (s.stalled) return { ok: false, reason: `L2 head has not advanced for ${s.headAgeMs} ms` };
        return { ok: true };
      },
      // The worker cannot earn while its passes fail or its transactions wait on a down RPC or database.
      worker: () => {
        if (!worker) return { ok: true };
        const failing = txFailing?.();
        if (failing)
          return {
            ok: false,
            reason: `transactions retrying (${failing.source}) for ${Date.now() - failing.sinceMs} ms: ${failing.error}`,
          };
        const error = worker.status().lastTickError;
        return error ? { ok: false, reason: `worker pass failed: ${error}` } : { ok: true };
      },
      p2p: () =>
        !p2p
          ? { ok: true }
          : p2p.connectedPeers().length > 0
            ? { ok: true }
            : { ok: false, reason: "no p2p peers connected" },
    },
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

function parseOpen(amount: string): bigint {
  const [whole, frac = ""] = amount.split(".");
  return BigInt(whole!) * 10n ** 18n + BigInt(frac.padEnd(18, "0").slice(0, 18) || "0");
}
