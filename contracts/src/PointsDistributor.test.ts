import { type Hex, keccak256, parseEther, parseEventLogs, toHex, zeroHash } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ContractsFixture,
  randomRoot,
  revertOf,
  startContractsFixture,
} from "../../test/harness/deployFixture.ts";
import { SUBJECT_KIND } from "../enums/subjectKind.ts";
import { VERDICT } from "../enums/verdict.ts";
import { pointsDistributorAbi } from "../generated/index.ts";
import { buildPointsTree, type PointsTree, verifyPointsProof } from "../merkle/pointsTree.ts";

const STAKE = parseEther("0.1");
const WEI_PER_POINT = parseEther("0.001");

describe("PointsDistributor", () => {
  let f: ContractsFixture;
  let snap: Hex;
  let epoch: bigint;
  let tree: PointsTree;
  /** What worker 3 voted: a root that pays it 100 points. It never reaches quorum. */
  let wrongTree: PointsTree;
  const worker = (i: number) => f.accounts[i]!;

  /**
   * Three workers earn points in one epoch (w1 +20, w2 +10, w3 net -10). Then w3 votes a root that pays it
   * 100 points, and w1 and w2 vote the one rebuilt from the epoch's events: theirs reaches quorum (2 of 3).
   */
  beforeAll(async () => {
    f = await startContractsFixture();
    const owner = f.contracts(f.accounts[9]!);
    await f.confirm(owner.datanetRegistry.write.createDatanet(["d", "", "text", 1024]));
    for (let i = 1; i <= 3; i++) {
      await f.confirm(f.contracts(worker(i)).epochManager.write.register([`peer${i}`], { value: STAKE }));
    }
    epoch = (await f.currentEpoch()) + 1n;
    await f.mineToEpoch(epoch);
    for (let c = 0; c < 2; c++)
      await f.confirm(owner.datanetRegistry.write.contribute([1n, randomRoot(), 10n, 1, "", ""]));
    const votes: [number, bigint, number][] = [
      [1, 1n, VERDICT.accept],
      [2, 1n, VERDICT.accept],
      [3, 1n, VERDICT.reject],
      [1, 2n, VERDICT.accept],
      [3, 2n, VERDICT.accept],
    ];
    for (const [i, id, verdict] of votes) {
      const em = f.contracts(worker(i)).epochManager;
      await f.confirm(em.write.attest([epoch, SUBJECT_KIND.contribution, id, verdict, 0, zeroHash]));
    }
    await f.mineToEpoch(epoch + 1n);
    const em = f.contracts().epochManager;
    const entries = [];
    for (let i = 1; i <= 3; i++) {
      const { points } = await em.read.pointsOf([epoch, worker(i).address]);
      entries.push({ epoch, account: worker(i).address, points: points > 0n ? points : 0n });
    }
    expect(entries.map((e) => e.points)).toEqual([20n, 10n, 0n]);
    tree = buildPointsTree(epoch, entries);
    wrongTree = buildPointsTree(epoch, [...entries.slice(0, 2), { ...entries[2]!, points: 100n }]);
    const vote = (i: number, t: PointsTree) =>
      f.confirm(f.contracts(worker(i)).epochManager.write.attestPointsRoot([epoch, t.root, t.totalPoints]));
    await vote(3, wrongTree);
    expect(await em.read.pointsRootOf([epoch])).toBe(zeroHash);
    await vote(1, tree);
    await vote(2, tree);
    expect(await em.read.pointsRootOf([epoch])).toBe(tree.root);
  });
  afterAll(() => f?.stop());
  beforeEach(async () => {
    snap = await f.snapshot();
  });
  afterEach(async () => {
    await f.revert(snap);
  });

  it("pays a claim with a proof built in TypeScript, exactly once", async () => {
    const account = worker(1).address;
    const proof = tree.proof(account);
    expect(verifyPointsProof({ root: tree.root, entry: { epoch, account, points: 20n }, proof })).toBe(true);
    // Submitted by someone else: the worker receives exactly points * weiPerPoint and pays no gas.
    const d = f.contracts(f.accounts[8]!).pointsDistributor;
    const before = await f.publicClient.getBalance({ address: account });
    const receipt = await f.confirm(d.write.claim([epoch, account, 20n, proof]));
    expect(await f.publicClient.getBalance({ address: account })).toBe(before + 20n * WEI_PER_POINT);
    expect(parseEventLogs({ abi: pointsDistributorAbi, logs: receipt.logs })[0]!.args).toEqual({
      epoch,
      account,
      points: 20n,
      amount: 20n * WEI_PER_POINT,
      caller: f.accounts[8]!.address,
    });
    expect(await d.read.claimed([epoch, account])).toBe(true);
    expect(await d.read.totalPaid()).toBe(20n * WEI_PER_POINT);
    expect(await revertOf(d.write.claim([epoch, account, 20n, proof]))).toEqual({
      errorName: "AlreadyClaimed",
      args: [epoch, account],
    });
    // The other worker's claim still works.
    await f.confirm(d.write.claim([epoch, worker(2).address, 10n, tree.proof(worker(2).address)]));
  });

  it("refuses wrong proofs, wrong amounts, unclosed epochs and empty claims", async () => {
    const d = f.contracts(worker(2)).pointsDistributor;
    const w2 = worker(2).address;
    const proof = tree.proof(w2);
    expect(await revertOf(d.write.claim([epoch, w2, 11n, proof]))).toEqual({
      errorName: "InvalidProof",
      args: [epoch, w2, 11n],
    });
    expect((await revertOf(d.write.claim([epoch, w2, 10n, tree.proof(worker(1).address)]))).errorName).toBe(
      "InvalidProof",
    );
    expect((await revertOf(d.write.claim([epoch, w2, 10n, [keccak256(toHex("junk"))]]))).errorName).toBe(
      "InvalidProof",
    );
    expect((await revertOf(d.write.claim([epoch, worker(1).address, 10n, proof]))).errorName).toBe(
      "InvalidProof",
    );
    expect(await revertOf(d.write.claim([epoch + 1n, w2, 10n, proof]))).toEqual({
      errorName: "EpochNotClosed",
      args: [epoch + 1n],
    });
    expect(await revertOf(d.write.claim([epoch, worker(3).address, 0n, []]))).toEqual({
      errorName: "NothingToClaim",
      args: [epoch, worker(3).address],
    });
  });

  it("pays nothing against a root that did not reach quorum: a lone wrong root, or the outvoted one", async () => {
    const d = f.contracts(worker(3)).pointsDistributor;
    const w3 = worker(3).address;
    // The outvoted root of a closed epoch: its proof does not verify against the quorum's root.
    expect(await revertOf(d.write.claim([epoch, w3, 100n, wrongTree.proof(w3)]))).toEqual({
      errorName: "InvalidProof",
      args: [epoch, w3, 100n],
    });
    // An ended epoch with one vote (of the 2 needed) for a root paying w3: not closed, nothing paid.
    const next = epoch + 1n;
    await f.mineToEpoch(next + 1n);
    const lone = buildPointsTree(next, [{ epoch: next, account: w3, points: 50n }]);
    await f.confirm(f.contracts(worker(3)).epochManager.write.attestPointsRoot([next, lone.root, 50n]));
    expect(await revertOf(d.write.claim([next, w3, 50n, lone.proof(w3)]))).toEqual({
      errorName: "EpochNotClosed",
      args: [next],
    });
  });

  it("refuses a claim it cannot fund, and only the owner sets the rate", async () => {
    const admin = f.contracts().pointsDistributor;
    const stranger = f.contracts(worker(2)).pointsDistributor;
    expect(await revertOf(stranger.write.setWeiPerPoint([1n]))).toEqual({
      errorName: "OwnableUnauthorizedAccount",
      args: [worker(2).address],
    });
    const huge = parseEther("1000");
    const receipt = await f.confirm(admin.write.setWeiPerPoint([huge]));
    expect(parseEventLogs({ abi: pointsDistributorAbi, logs: receipt.logs })[0]!.args).toEqual({
      weiPerPoint: huge,
    });
    const balance = await f.publicClient.getBalance({ address: f.addresses.pointsDistributor });
    expect(
      await revertOf(stranger.write.claim([epoch, worker(2).address, 10n, tree.proof(worker(2).address)])),
    ).toEqual({
      errorName: "InsufficientFunds",
      args: [10n * huge, balance],
    });
  });

  it("is funded by transfers and by the validators' share of inference fees", async () => {
    const wallet = f.walletClient(f.accounts[8]!);
    const hash = await wallet.sendTransaction({
      account: f.accounts[8]!,
      chain: f.chain,
      to: f.addresses.pointsDistributor,
      value: 5n,
    });
    const receipt = await f.confirm(hash);
    expect(parseEventLogs({ abi: pointsDistributorAbi, logs: receipt.logs })[0]!.args).toEqual({
      from: f.accounts[8]!.address,
      amount: 5n,
    });
    const owner = f.contracts(f.accounts[9]!);
    await f.confirm(owner.datanetRegistry.write.contribute([1n, randomRoot(), 10n, 1, "", ""]));
    await f.confirm(owner.datanetRegistry.write.overrideContribution([3n, 2]));
    await f.confirm(owner.modelRegistry.write.registerModel([keccak256(toHex("m")), zeroHash, [1n], ""]));
    const fee = await owner.attributionLedger.read.quoteFee([1000n, 1000n]);
    await f.confirm(
      owner.attributionLedger.write.recordInference(
        [1n, randomRoot(), await f.publicClient.getBlockNumber(), 1000n, 1000n, [3n], [1_000_000n]],
        {
          value: fee,
        },
      ),
    );
    const share = await owner.attributionLedger.read.claimable([f.addresses.pointsDistributor]);
    expect(share).toBe(((fee - parseEther("0.0001")) * 1000n) / 10_000n);
    const pulled = await f.confirm(owner.attributionLedger.write.claimFor([f.addresses.pointsDistributor]));
    const funded = parseEventLogs({ abi: pointsDistributorAbi, logs: pulled.logs, eventName: "Funded" });
    expect(funded[0]!.args).toEqual({ from: f.addresses.attributionLedger, amount: share });
  });
});
