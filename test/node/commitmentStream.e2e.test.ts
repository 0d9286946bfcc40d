import { join } from "node:path";
import type { Kysely } from "kysely";
import { type Hex, keccak256, stringToHex, type WalletClient } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { attest } from "../../contracts/actions/attest.ts";
import { contribute, contributeCall } from "../../contracts/actions/contribute.ts";
import { createDatanet } from "../../contracts/actions/createDatanet.ts";
import { overrideContribution } from "../../contracts/actions/overrideContribution.ts";
import { registerWorker } from "../../contracts/actions/registerWorker.ts";
import { setDailyLimits } from "../../contracts/actions/setDailyLimits.ts";
import { SUBJECT_KIND } from "../../contracts/enums/subjectKind.ts";
import { VERDICT } from "../../contracts/enums/verdict.ts";
import { datanetRegistryAbi, epochManagerAbi } from "../../contracts/generated/index.ts";
import type { IndexerViews } from "../../indexer/indexerViews.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import { createViewsDb } from "../../node/daemon/createViewsDb.ts";
import {
  createIndexerCommitmentSource,
  type IndexerCommitmentSource,
} from "../../node/p2p/createIndexerCommitmentSource.ts";
import { type CommitmentChange, createP2PNode, type P2PNode } from "../../p2p/index.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { createBulkSender } from "../harness/sendBulkTransactions.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";
import { startDeployedChain, startTestIndexer, waitForBlock } from "../indexer/indexerFixture.ts";

/**
 * p2p's commitments read from the REAL indexer (anvil + Postgres + `ponder start`) as a change stream: a
 * status that changes after a root was first seen, a reorg that takes a contribution (or only its status
 * change) away, and a Datanet with more contributions than one page.
 */
const common = createTestCommon("commitment-stream");
let chain: TestChain;
let deployment: Awaited<ReturnType<typeof startDeployedChain>>["deployment"];
let db: TestDatabase;
let indexer: IndexerProcess;
let views: Kysely<IndexerViews>;
let source: IndexerCommitmentSource;
let node: P2PNode;
const changes: CommitmentChange[] = [];
const dir = makeTempDir("olnode-commitment-stream-");

const as = (account: PrivateKeyAccount) => ({
  publicClient: chain.publicClient,
  walletClient: chain.walletClient(account) as WalletClient,
});
const owner = () => chain.accounts[1]!;
const registry = () => deployment.addresses.datanetRegistry;

function lastChange(root: Hex): CommitmentChange | undefined {
  const key = root.toLowerCase();
  return changes.findLast(
    (c) => (c.type === "removed" ? c.dataRoot : c.commitment.dataRoot).toLowerCase() === key,
  );
}
const statusOf = (root: Hex) => {
  const c = lastChange(root);
  return c === undefined ? undefined : c.type === "removed" ? "removed" : c.commitment.status;
};
const awaitStatus = (root: Hex, status: string) =>
  waitFor(`${root} pushed as ${status} (last: ${statusOf(root)})`, () => statusOf(root) === status, {
    timeoutMs: 60_000,
  });

async function contributeRoot(from: PrivateKeyAccount, datanetId: bigint, tag: string) {
  const dataRoot = keccak256(stringToHex(tag));
  const made = await contribute(as(from), {
    address: registry(),
    datanetId,
    dataRoot,
    byteSize: 1_000n,
    chunkCount: 1,
    license: "CC-BY-4.0",
    metadataURI: tag,
  });
  return { ...made, dataRoot };
}

beforeAll(async () => {
  ({ chain, deployment } = await startDeployedChain());
  db = await createTestDatabase("olnode_commitment_stream");
  await createDatanet(as(owner()), {
    address: registry(),
    name: "stream",
    metadataURI: "",
    format: "text",
    maxChunkBytes: 65_536,
  });
  indexer = await startTestIndexer({ chain, databaseUrl: db.url, deployment, viewsSchema: "olnode_cs" });
  views = createViewsDb<IndexerViews>(common, { databaseUrl: db.url, viewsSchema: "olnode_cs" });
  source = createIndexerCommitmentSource(common, views, { pollIntervalMs: 100 });
  source.onCommitment!((change) => changes.push(change));
  node = await createP2PNode(common, {
    options: { keyPath: join(dir, "key"), storePath: join(dir, "store"), listen: ["/ip4/127.0.0.1/tcp/0"] },
    commitments: source,
    datanets: [1n],
  });
}, 180_000);

afterAll(async () => {
  source?.stop();
  await common.shutdown.kill("test done");
  await indexer?.stop();
  await chain?.stop();
  await db?.drop();
});

describe("the indexer commitment source (real indexer)", () => {
  it("pushes a status that changes after the root was first seen; p2p prunes a contribution rejected later", async () => {
    // Chunks held by a node before the contribution is accepted, then rejected by the owner.
    const bytes = new TextEncoder().encode("a contribution accepted first and rejected later ".repeat(40));
    const published = await node.publish({ datanetId: 1n, bytes });
    await contribute(as(chain.accounts[2]!), {
      address: registry(),
      datanetId: 1n,
      dataRoot: published.dataRoot,
      byteSize: BigInt(published.byteSize),
      chunkCount: published.count,
      license: "CC-BY-4.0",
      metadataURI: "",
    });
    await awaitStatus(published.dataRoot, "pending");
    const id = await chain.publicClient.readContract({
      address: registry(),
      abi: datanetRegistryAbi,
      functionName: "contributionIdByRoot",
      args: [published.dataRoot],
    });
    await overrideContribution(as(owner()), { address: registry(), contributionId: id, status: "accepted" });
    await awaitStatus(published.dataRoot, "accepted");
    expect(new Uint8Array((await node.store.readContribution(published.dataRoot)) ?? [])).toEqual(bytes);
    await overrideContribution(as(owner()), { address: registry(), contributionId: id, status: "rejected" });
    await awaitStatus(published.dataRoot, "rejected");
    await waitFor("the rejected contribution pruned from the store", async () =>
      (await node.store.getContribution(published.dataRoot)) === undefined ? true : undefined,
    );
    expect((await source.getCommitment(published.dataRoot))?.status).toBe("rejected");
    // The owner accepts it again: the node takes its chunks again.
    expect((await node.store.putChunk(published.messages[0]!)).added).toBe(false);
    await overrideContribution(as(owner()), { address: registry(), contributionId: id, status: "accepted" });
    await awaitStatus(published.dataRoot, "accepted");
    await waitFor("the pruned chunks taken again", async () => {
      for (const m of published.messages) await node.store.putChunk(m);
      return (await node.store.getContribution(published.dataRoot))?.complete;
    });
  });

  it("pushes a quorum's verdict, and a later owner override of it", async () => {
    const workers = [chain.accounts[5]!, chain.accounts[6]!];
    const em = deployment.addresses.epochManager;
    for (const [i, w] of workers.entries())
      await registerWorker(as(w), { address: em, peerId: `12D3KooWstream${i}`, stake: 10n ** 18n });
    const c = await contributeRoot(chain.accounts[2]!, 1n, "quorum");
    await awaitStatus(c.dataRoot, "pending");
    // Workers are active from the epoch after registering; both votes must land in one epoch.
    const read = <T>(functionName: "genesisBlock" | "epochLength") =>
      chain.publicClient.readContract({ address: em, abi: epochManagerAbi, functionName }) as Promise<T>;
    const [genesis, length] = [await read<bigint>("genesisBlock"), await read<bigint>("epochLength")];
    const head = await chain.publicClient.getBlockNumber();
    const epoch = (head + 1n - genesis) / length + 1n;
    await chain.mine(Number(genesis + epoch * length - head - 1n));
    for (const w of workers) {
      await attest(as(w), {
        address: em,
        epoch,
        kind: SUBJECT_KIND.contribution,
        subjectId: c.contributionId,
        verdict: VERDICT.accept,
        score: 900_000,
        resultHash: keccak256(stringToHex(`result:${w.address}`)),
      });
    }
    await awaitStatus(c.dataRoot, "accepted");
    await overrideContribution(as(owner()), {
      address: registry(),
      contributionId: c.contributionId,
      status: "rejected",
    });
    await awaitStatus(c.dataRoot, "rejected");
  });

  it("pushes what a reorg changed: a contribution taken off the chain, a status change undone", async () => {
    const kept = await contributeRoot(chain.accounts[3]!, 1n, "reorg-kept");
    await overrideContribution(as(owner()), {
      address: registry(),
      contributionId: kept.contributionId,
      status: "accepted",
    });
    await awaitStatus(kept.dataRoot, "accepted");
    // Two more blocks: a new contribution, and the override that rejects the kept one. A reorg drops both.
    const dropped = await contributeRoot(chain.accounts[4]!, 1n, "reorg-dropped");
    await overrideContribution(as(owner()), {
      address: registry(),
      contributionId: kept.contributionId,
      status: "rejected",
    });
    await awaitStatus(dropped.dataRoot, "pending");
    await awaitStatus(kept.dataRoot, "rejected");
    await chain.reorg(2);
    await chain.mine(2);
    const onChain = (root: Hex) =>
      chain.publicClient.readContract({
        address: registry(),
        abi: datanetRegistryAbi,
        functionName: "contributionIdByRoot",
        args: [root],
      });
    expect(await onChain(dropped.dataRoot)).toBe(0n);
    await awaitStatus(dropped.dataRoot, "removed");
    await awaitStatus(kept.dataRoot, "accepted");
    expect(await source.getCommitment(dropped.dataRoot)).toBeUndefined();
    expect((await source.getCommitment(kept.dataRoot))?.status).toBe("accepted");
  });

  it("lists and streams every contribution of a Datanet with more than one page of them", async () => {
    const { datanetId } = await createDatanet(as(owner()), {
      address: registry(),
      name: "big",
      metadataURI: "",
      format: "text",
      maxChunkBytes: 65_536,
    });
    await setDailyLimits(as(owner()), {
      address: registry(),
      datanetId,
      maxBytesPerDay: 1n << 50n,
      maxContributionsPerDay: 4_000_000_000,
    });
    const n = 1_050;
    const contributors = chain.accounts.slice(2, 6);
    const roots = Array.from({ length: n }, (_, i) => keccak256(stringToHex(`big:${i}`)));
    const bulk = createBulkSender(chain);
    await chain.testClient.setAutomine(false);
    try {
      await bulk.run(
        roots.map((dataRoot, i) => ({
          from: contributors[i % contributors.length]!,
          gas: 300_000n,
          call: contributeCall({
            address: registry(),
            datanetId,
            dataRoot,
            byteSize: 100n,
            chunkCount: 1,
            license: "CC-BY-4.0",
            metadataURI: "",
          }),
        })),
        "contributions",
      );
    } finally {
      await chain.testClient.setAutomine(true);
    }
    await waitForBlock(indexer, await chain.publicClient.getBlockNumber(), 120_000);
    // Waited for, not assumed from /status: in load mode the listing once came back with 657 of the 1,050 right
    // after /status showed the head. A listing that cannot page past the first 1,000 never gets there.
    const listed = await waitFor(
      `all ${n} listed`,
      async () => {
        const l = await source.listCommitments!(datanetId);
        return l.length === n ? l : notYet(`${n} listed`, l.length);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(listed.map((c) => c.dataRoot).sort()).toEqual([...roots].sort());
    await waitFor(`all ${n} roots pushed`, () => roots.every((r) => statusOf(r) === "pending"), {
      timeoutMs: 60_000,
    });
    // A source started now backfills the whole history on its first read, page by page.
    const fresh = createIndexerCommitmentSource(common, views, { pollIntervalMs: 60_000 });
    const seen = new Set<string>();
    fresh.onCommitment!((c) => {
      if (c.type === "committed") seen.add(c.commitment.dataRoot.toLowerCase());
    });
    await fresh.poll();
    fresh.stop();
    for (const r of roots) expect(seen.has(r.toLowerCase())).toBe(true);
  });
});
