import {
  type Address,
  type Hex,
  keccak256,
  type PublicClient,
  parseEther,
  toFunctionSelector,
  toHex,
  zeroHash,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Common, createTestCommon } from "../../config/common/createCommon.ts";
import { attest } from "../../contracts/actions/attest.ts";
import { attestPointsRoot } from "../../contracts/actions/attestPointsRoot.ts";
import { claimPoints } from "../../contracts/actions/claimPoints.ts";
import { contribute } from "../../contracts/actions/contribute.ts";
import { createDatanet } from "../../contracts/actions/createDatanet.ts";
import { overrideContribution } from "../../contracts/actions/overrideContribution.ts";
import { readEpochPoints } from "../../contracts/actions/readEpochPoints.ts";
import { registerWorker } from "../../contracts/actions/registerWorker.ts";
import { startEpoch } from "../../contracts/actions/startEpoch.ts";
import type { DeployContractsReturnType } from "../../contracts/deploy/deployContracts.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { buildEpochPointsTree, buildPointsTree } from "../../contracts/merkle/pointsTree.ts";
import type { IndexerViews } from "../../indexer/indexerViews.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import { claimEpochPoints } from "../../node/claims/claimEpochPoints.ts";
import { ClaimRefusedError } from "../../node/claims/claimErrors.ts";
import { createViewsDb } from "../../node/daemon/createViewsDb.ts";
import { createCallSender } from "../../node/worker/createCallSender.ts";
import { createTaskStore } from "../../node/worker/createTaskStore.ts";
import { createWorker, defaultWorkerOptions, type Worker } from "../../node/worker/createWorker.ts";
import { createWorkerDb, type WorkerDb } from "../../node/worker/db/createWorkerDb.ts";
import { migrateWorkerDb } from "../../node/worker/db/migrateWorkerDb.ts";
import { isAlreadyDone } from "../../node/worker/revertMeaning.ts";
import { createIndexerSubjectSource } from "../../node/worker/subjects/createIndexerSubjectSource.ts";
import { createTxSubmitter } from "../../node/worker/tx/createTxSubmitter.ts";
import { INCLUSION_TOO_LATE } from "../../node/worker/tx/txErrors.ts";
import type { CheckResult, TaskStore } from "../../node/worker/workerTypes.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";
import { startDeployedChain, startTestIndexer, waitForBlock } from "../indexer/indexerFixture.ts";

/**
 * Issue 18: a worker never misses a vote it could cast. Real anvil (automine: one block per transaction, so a
 * confirmation is as slow as the test makes it), real Postgres (the worker's task rows and the crash-safe
 * submitter), real `ponder start` (the index the worker reads its subjects from). The checks themselves are
 * instant fakes: this is about when votes go out, not what they say.
 *
 * - A pass sends and moves on: with the first attestation's confirmations not yet in, the second one still
 *   goes out; a new worker on the same database after that (a restart) confirms both, none twice.
 * - An epoch's last block: an attestation sent one block before it lands in it; one that could only land in
 *   the next epoch is not sent (no WrongEpoch revert, no gas).
 * - An index behind the head (its indexer down): no task is created from it, and the status says so.
 * - Points roots: workers rebuild an ended epoch's root from the chain and vote it; a wrong root (one worker's)
 *   gets no quorum, and nothing is paid against it; the operator's claim goes through once the quorum root is in.
 */

const EPOCH = 20n;
const ATTEST = toFunctionSelector("attest(uint256,uint8,uint256,uint8,uint32,bytes32)");
const ACCEPT: CheckResult = {
  kind: "done",
  verdict: 1,
  score: 1,
  report: new Uint8Array([1]),
  reportHash: keccak256(new Uint8Array([1])),
  summary: "accepted (test)",
};

let chain: TestChain;
let deployment: DeployContractsReturnType;
let database: TestDatabase;
let indexer: IndexerProcess | undefined;
let genesis: bigint;
let datanetId: bigint;
const contributionIds: bigint[] = [];
const stops: (() => Promise<void>)[] = [];

const VIEWS = "olnode_votes_views";

beforeAll(async () => {
  ({ chain, deployment } = await startDeployedChain({ epochLength: EPOCH }));
  database = await createTestDatabase();
  indexer = await startTestIndexer({
    chain,
    databaseUrl: database.url,
    deployment,
    schema: "olnode_votes_index",
    viewsSchema: VIEWS,
  });
  const em = deployment.addresses.epochManager;
  genesis = await chain.publicClient.readContract({
    address: em,
    abi: epochManagerAbi,
    functionName: "genesisBlock",
  });
  const owner = chain.accounts[1]!;
  const clients = { publicClient: chain.publicClient, walletClient: chain.walletClient(owner) };
  ({ datanetId } = await createDatanet(clients, {
    address: deployment.addresses.datanetRegistry,
    name: "votes",
    metadataURI: "ipfs://votes",
    format: "text",
    maxChunkBytes: 4096,
  }));
  for (let i = 0; i < 2; i++) {
    const { contributionId } = await contribute(clients, {
      address: deployment.addresses.datanetRegistry,
      datanetId,
      dataRoot: keccak256(toHex(`votes-${i}`)),
      byteSize: 100n,
      chunkCount: 1,
      license: "CC-BY-4.0",
      metadataURI: "",
    });
    contributionIds.push(contributionId);
  }
  // Three workers, k = 3: each is assigned every subject.
  for (const account of workers())
    await registerWorker(
      { publicClient: chain.publicClient, walletClient: chain.walletClient(account) },
      { address: em, peerId: `peer-${account.address}`, stake: parseEther("0.1") },
    );
}, 180_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await indexer?.stop();
  await database?.drop();
  await chain?.stop();
}, 60_000);

function workers(): PrivateKeyAccount[] {
  return [chain.accounts[7]!, chain.accounts[8]!, chain.accounts[9]!];
}

const head = () => chain.publicClient.getBlockNumber({ cacheTime: 0 });
const lastBlockOf = (epoch: bigint) => genesis + (epoch + 1n) * EPOCH - 1n;

/** Mines until the head is `block` (automine makes one more per transaction). */
async function mineTo(block: bigint) {
  const now = await head();
  if (now < block) await chain.mine(Number(block - now));
  expect(await head()).toBe(block);
}

/** The next epoch whose first block is still ahead, started (its seed fixed) by the admin. */
async function startNextEpoch(): Promise<bigint> {
  const epoch = (await head()) - genesis + 1n;
  const next = epoch / EPOCH + 1n;
  await mineTo(genesis + next * EPOCH - 1n);
  await startEpoch(
    { publicClient: chain.publicClient, walletClient: chain.walletClient(chain.accounts[0]!) },
    { address: deployment.addresses.epochManager },
  );
  return next;
}

type TestWorker = { worker: Worker; tasks: TaskStore; common: Common; db: WorkerDb; stop(): Promise<void> };

/** A worker as `olnode start` wires it, on a worker schema of its own, with instant accepting checks. */
async function startWorker(account: PrivateKeyAccount, schema: string): Promise<TestWorker> {
  const common = createTestCommon();
  const db = createWorkerDb({ databaseUrl: database.url, schema });
  await migrateWorkerDb(db, schema);
  const submitter = createTxSubmitter(common, {
    db,
    publicClient: chain.publicClient as PublicClient,
    account,
    chain: chain.chain,
    // The default: three blocks deep. Under automine no block comes unless a transaction does.
    confirmations: 3,
    pollingIntervalMs: 50,
    backoff: { initialMs: 50, maxMs: 500 },
    errorAbi: epochManagerAbi,
    isSatisfied: isAlreadyDone,
  });
  const subjects = createIndexerSubjectSource(
    createViewsDb<IndexerViews>(common, { databaseUrl: database.url, viewsSchema: VIEWS }),
  );
  const tasks = createTaskStore(db);
  const worker = createWorker(
    common,
    {
      account: account.address,
      epochManager: deployment.addresses.epochManager,
      publicClient: chain.publicClient as PublicClient,
      subjects,
      tasks,
      sender: createCallSender(submitter, epochManagerAbi),
      checkContribution: async () => ACCEPT,
      checkInference: async () => ACCEPT,
      healthy: () => true,
    },
    { ...defaultWorkerOptions, concurrency: 1, heartbeats: false, stake: parseEther("0.1"), peerId: "p" },
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await worker.stop();
    await common.shutdown.kill("test");
    await db.destroy();
  };
  stops.push(stop);
  return { worker, tasks, common, db, stop };
}

async function attestedBy(worker: Address, epoch: bigint) {
  const logs = await chain.publicClient.getContractEvents({
    address: deployment.addresses.epochManager,
    abi: epochManagerAbi,
    eventName: "Attested",
    args: { worker, epoch },
    fromBlock: 0n,
  });
  return logs.map((l) => ({ subjectId: l.args.subjectId!, block: l.blockNumber }));
}

/** Every transaction `account` got mined, with its status (a reverted attestation would show here). */
async function minedTxs(account: Address, fromBlock: bigint) {
  const out: { block: bigint; status: string; hash: Hex; attest: boolean }[] = [];
  const to = await head();
  for (let b = fromBlock; b <= to; b++) {
    const block = await chain.publicClient.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== account.toLowerCase()) continue;
      const receipt = await chain.publicClient.getTransactionReceipt({ hash: tx.hash });
      out.push({ block: b, status: receipt.status, hash: tx.hash, attest: tx.input.startsWith(ATTEST) });
    }
  }
  return out;
}

describe("a worker's votes (issue 18)", () => {
  it("sends every attestation without waiting for another's confirmations, and a restart confirms each once", async () => {
    const account = workers()[0]!;
    const epoch = await startNextEpoch();
    await waitForBlock(indexer!, await head());
    const first = await startWorker(account, "olnode_votes_w1");
    // Not awaited: without the fix the pass waits for the first attestation's third block, which automine
    // never makes, and the second subject is never sent.
    void first.worker.tick();
    await waitFor(
      "both attestations on-chain while the first is not yet confirmed",
      async () => {
        const got = await attestedBy(account.address, epoch);
        return got.length === 2 ? got : notYet(`${got.length} of 2 attested`, got);
      },
      { timeoutMs: 60_000 },
    );
    expect(first.worker.status().settling).toBeGreaterThan(0);
    // A restart before the confirmations: the intents are in Postgres; the new process confirms them.
    await first.stop();
    const second = await startWorker(account, "olnode_votes_w1");
    await chain.mine(3);
    await waitFor(
      "both tasks confirmed after the restart",
      async () => {
        await second.worker.tick();
        const rows = await second.tasks.list(epoch, ["confirmed"]);
        return rows.length === 2 ? rows : notYet(`${rows.length} of 2 confirmed`, second.worker.status());
      },
      { timeoutMs: 60_000 },
    );
    expect((await attestedBy(account.address, epoch)).length).toBe(2);
    await second.stop();
  });

  it("attests in the epoch's last block, and does not send what could only land in the next epoch", async () => {
    const account = workers()[1]!;
    const epoch = await startNextEpoch();
    const last = lastBlockOf(epoch);
    // The head one block before the last: the first attestation lands in the last block (automine); the
    // pass then stands at the last block, where the second could only land in the next epoch.
    await mineTo(last - 1n);
    await waitForBlock(indexer!, last - 1n);
    const from = await head();
    const w = await startWorker(account, "olnode_votes_w2");
    await w.worker.tick();
    await waitFor("the pass's tasks settled", async () => {
      const open = await w.tasks.list(epoch, ["pending", "ready"]);
      return open.length === 0 ? true : notYet(`${open.length} open`, open);
    });
    const attested = await attestedBy(account.address, epoch);
    expect(attested).toHaveLength(1);
    expect(attested[0]!.block).toBe(last);
    const expired = await w.tasks.list(epoch, ["expired"]);
    expect(expired).toHaveLength(1);
    expect(expired[0]!.error).toContain("could only land too late");
    const intent = await w.db
      .selectFrom("tx_intents")
      .select(["status", "error_name"])
      .where("key", "=", `attest:${epoch}:0:${expired[0]!.subjectId}`)
      .executeTakeFirst();
    expect(intent).toEqual({ status: "failed", error_name: INCLUSION_TOO_LATE });
    // Nothing of this worker's reverted, and only one attest transaction was sent at all.
    await chain.mine(3);
    const txs = await minedTxs(account.address, from + 1n);
    expect(txs.every((t) => t.status === "success")).toBe(true);
    expect(txs.filter((t) => t.attest)).toHaveLength(1);
    await w.stop();
  });

  it("creates no task from an index behind the head, and says so in its status", async () => {
    const account = workers()[2]!;
    // The index is current; then its indexer goes down and a subject is decided on-chain (the Datanet
    // owner's override) which the index still shows as open.
    await waitForBlock(indexer!, await head());
    await indexer!.stop();
    indexer = undefined;
    await overrideContribution(
      { publicClient: chain.publicClient, walletClient: chain.walletClient(chain.accounts[1]!) },
      {
        address: deployment.addresses.datanetRegistry,
        contributionId: contributionIds[0]!,
        status: "rejected",
      },
    );
    const epoch = await startNextEpoch();
    const w = await startWorker(account, "olnode_votes_w3");
    await w.worker.tick();
    const status = w.worker.status();
    expect(status.epoch).toBe(epoch);
    expect(status.index?.current).toBe(false);
    expect(status.index!.indexedBlock! < status.index!.head).toBe(true);
    // The stale index lists both contributions as open; neither became a task.
    expect(await w.tasks.counts(epoch)).toEqual({});
    await w.stop();
  });

  it("closes an ended epoch with the points root its workers rebuilt; a wrong root gets no quorum and pays nothing", async () => {
    const [a, b, c] = workers() as [PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount];
    const em = deployment.addresses.epochManager;
    const clientsOf = (account: PrivateKeyAccount) => ({
      publicClient: chain.publicClient as PublicClient,
      walletClient: chain.walletClient(account),
    });
    // Points in one epoch: a and b agree on a new contribution (quorum 2 of 3: +10 each, c earns nothing).
    const { contributionId } = await contribute(clientsOf(chain.accounts[1]!), {
      address: deployment.addresses.datanetRegistry,
      datanetId,
      dataRoot: keccak256(toHex("votes-points")),
      byteSize: 100n,
      chunkCount: 1,
      license: "CC-BY-4.0",
      metadataURI: "",
    });
    const epoch = await startNextEpoch();
    for (const w of [a, b])
      await attest(clientsOf(w), {
        address: em,
        epoch,
        kind: 0,
        subjectId: contributionId,
        verdict: 1,
        score: 1,
        resultHash: zeroHash,
      });
    await startNextEpoch();
    const read = <T>(functionName: string, args: unknown[]) =>
      chain.publicClient.readContract({
        address: em,
        abi: epochManagerAbi,
        functionName,
        args,
      } as never) as Promise<T>;
    const right = buildEpochPointsTree(
      epoch,
      await readEpochPoints(chain.publicClient as PublicClient, {
        address: em,
        epoch,
        fromBlock: deployment.deploymentBlock,
      }),
    );
    expect(right.entries.map((e) => e.points)).toEqual([10n, 10n]);
    // c votes a root that pays it 100 points; nothing is claimable on one vote.
    const wrong = buildPointsTree(epoch, [...right.entries, { epoch, account: c.address, points: 100n }]);
    await attestPointsRoot(clientsOf(c), {
      address: em,
      epoch,
      pointsRoot: wrong.root,
      totalPoints: wrong.totalPoints,
    });
    const claimWrong = () =>
      claimPoints(clientsOf(c), {
        address: deployment.addresses.pointsDistributor,
        epoch,
        account: c.address,
        points: 100n,
        proof: wrong.proof(c.address),
      });
    await expect(claimWrong()).rejects.toThrow(/EpochNotClosed/);

    // Worker a's pass rebuilds the root and votes it: one vote each, still no quorum, still nothing to claim.
    const wa = await startWorker(a, "olnode_votes_w4");
    await wa.worker.tick();
    expect(await read<number>("pointsRootVotes", [epoch, right.root, right.totalPoints])).toBe(1);
    expect(await read<Hex>("pointsRootOf", [epoch])).toBe(zeroHash);
    const claimA = (e?: bigint) =>
      claimEpochPoints(clientsOf(a), {
        epochManager: em,
        pointsDistributor: deployment.addresses.pointsDistributor,
        account: a.address,
        fromBlock: deployment.deploymentBlock,
        ...(e !== undefined && { epoch: e }),
      });
    await expect(claimA(epoch)).rejects.toMatchObject({ reason: "epochNotFinal" });
    // A second pass sends nothing more (one vote per worker and epoch).
    await wa.worker.tick();
    expect(await read<number>("pointsRootVotes", [epoch, right.root, right.totalPoints])).toBe(1);

    // Worker b's vote is the second for the rebuilt root: quorum, the epoch closes with it.
    const wb = await startWorker(b, "olnode_votes_w5");
    await wb.worker.tick();
    expect(await read<Hex>("pointsRootOf", [epoch])).toBe(right.root);
    await expect(claimWrong()).rejects.toThrow(/InvalidProof/);

    // The operator's claim (olnode claim points) pays a its 10 points, once.
    const before = await chain.publicClient.getBalance({ address: a.address });
    const paid = await claimA();
    expect(paid.filter((r) => r.status === "paid")).toMatchObject([{ epoch, points: 10n }]);
    expect(await chain.publicClient.getBalance({ address: a.address })).toBeGreaterThan(before);
    const again = await claimA(epoch).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ClaimRefusedError);
    expect((again as ClaimRefusedError).reason).toBe("alreadyClaimed");
    await expect(claimA()).rejects.toMatchObject({ reason: "nothingToClaim" });
    // c earned nothing: nothing to claim for it.
    await expect(
      claimEpochPoints(clientsOf(c), {
        epochManager: em,
        pointsDistributor: deployment.addresses.pointsDistributor,
        account: c.address,
        fromBlock: deployment.deploymentBlock,
        epoch,
      }),
    ).rejects.toMatchObject({ reason: "nothingToClaim" });
    await wa.stop();
    await wb.stop();
  });
});
