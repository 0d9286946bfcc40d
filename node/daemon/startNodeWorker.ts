import { join } from "node:path";
import type { LocalAccount, PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import type { Config } from "../../config/loadConfig.ts";
import { readTestHooks } from "../../config/testHooks.ts";
import type { defineL2Chain } from "../../contracts/chain/defineL2Chain.ts";
import type { DeployedAddresses } from "../../contracts/deploy/deployContracts.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import type { P2PNode } from "../../p2p/index.ts";
import { createTiktokenTokenizer } from "../attribution/index.ts";
import type { ChainFollower } from "../chain/createChainFollower.ts";
import { createCallSender } from "../worker/createCallSender.ts";
import { createContributionChecker } from "../worker/createContributionChecker.ts";
import { createInferenceChecker } from "../worker/createInferenceChecker.ts";
import { createTaskStore } from "../worker/createTaskStore.ts";
import { createWorker, defaultWorkerOptions, type Worker } from "../worker/createWorker.ts";
import { createWorkerDb } from "../worker/db/createWorkerDb.ts";
import { migrateWorkerDb } from "../worker/db/migrateWorkerDb.ts";
import { isAlreadyDone } from "../worker/revertMeaning.ts";
import type { createIndexerSubjectSource } from "../worker/subjects/createIndexerSubjectSource.ts";
import { createTxSubmitter, type TxFailing } from "../worker/tx/createTxSubmitter.ts";
import { watchAccountBalance } from "../worker/watchAccountBalance.ts";
import { watchIndexCurrent } from "./watchIndexCurrent.ts";

export type StartNodeWorkerParameters = {
  config: Config;
  databaseUrl: string;
  account: LocalAccount;
  chain: ReturnType<typeof defineL2Chain>;
  publicClient: PublicClient;
  addresses: DeployedAddresses;
  follower: ChainFollower;
  subjects: ReturnType<typeof createIndexerSubjectSource>;
  p2p: P2PNode;
  worker?: Partial<typeof defaultWorkerOptions>;
};

/**
 * The node's worker: its schema migrated, the crash-safe submitter (resuming unfinished transactions in the
 * background), the checkers, and a pass on every new head and on a timer. Everything stops with `common`.
 */
export async function startNodeWorker(
  common: Common,
  parameters: StartNodeWorkerParameters,
): Promise<{ worker: Worker; txFailing: () => TxFailing | undefined }> {
  const { config, account, publicClient, follower, subjects, p2p } = parameters;
  const log = common.logger.child({ module: "node" });
  const db = createWorkerDb({
    databaseUrl: parameters.databaseUrl,
    schema: config.database.workerSchema,
    logger: common.logger,
  });
  common.shutdown.add("worker db", () => db.destroy());
  await migrateWorkerDb(db, config.database.workerSchema);
  const crash = readTestHooks().crashAt;
  const submitter = createTxSubmitter(common, {
    db,
    publicClient,
    account,
    chain: parameters.chain,
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
  // For the low-balance alert (docker/prometheus/alerts.yml): gas for attestations runs out silently otherwise.
  watchAccountBalance(common, { client: publicClient, address: account.address });
  const indexCurrent = watchIndexCurrent(common, {
    indexedBlock: () => subjects.indexedBlock(),
    head: () => follower.status().head?.number,
  });
  const worker = createWorker(
    common,
    {
      account: account.address,
      epochManager: parameters.addresses.epochManager,
      publicClient,
      subjects,
      tasks: createTaskStore(db),
      sender: createCallSender(submitter, epochManagerAbi),
      checkContribution: createContributionChecker({ subjects, chunks: p2p }),
      checkInference: createInferenceChecker({
        subjects,
        content: p2p,
        tokenizer: createTiktokenTokenizer(),
        // Corpora become index files searched in place, one open at a time: the worker's memory stays
        // bounded whatever the Datanets' size (a corpus in memory costs 8 bytes/token).
        indexDir: attributionIndexDir(config),
      }),
      healthy: () => {
        const s = follower.status();
        return s.connected && !s.stalled && p2p.connectedPeers().length > 0 && indexCurrent();
      },
      ...(crash && { onStep: (step) => crash(step) }),
    },
    {
      ...defaultWorkerOptions,
      ...parameters.worker,
      stake: parseOpen(config.worker.stake),
      peerId: p2p.peerId,
    },
  );
  // A pass on every new head, and on a timer too: a quiet chain still has assignments to retry.
  follower.onHead(() => void worker.tick());
  const tickTimer = setInterval(() => void worker.tick(), Math.max(1000, config.chain.pollingIntervalMs * 2));
  common.shutdown.add("worker timer", () => clearInterval(tickTimer));
  void worker.tick();
  common.shutdown.add("worker", () => worker.stop());
  return { worker, txFailing: () => submitter.failing() };
}

/** Where the worker keeps its corpora as attribution index files (its own folder, emptied at start). */
export function attributionIndexDir(config: Pick<Config, "dataDir">): string {
  return join(config.dataDir, "attribution-index");
}

/** A decimal OPEN amount ("1.5") in wei. */
function parseOpen(amount: string): bigint {
  const [whole, frac = ""] = amount.split(".");
  return BigInt(whole!) * 10n ** 18n + BigInt(frac.padEnd(18, "0").slice(0, 18) || "0");
}
