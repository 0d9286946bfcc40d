import { type Hex, keccak256, numberToHex, parseEther, parseEventLogs, toHex, zeroHash } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ContractsFixture,
  randomRoot,
  revertOf,
  startContractsFixture,
} from "../../test/harness/deployFixture.ts";
import { isAssigned } from "../assignment.ts";
import { STUB_L1_ORIGIN } from "../deploy/ensureL1Block.ts";
import { SUBJECT_KIND } from "../enums/subjectKind.ts";
import { VERDICT } from "../enums/verdict.ts";
import { epochSeed, L1_BLOCK_ADDRESS, L1_BLOCK_SLOTS } from "../epochSeed.ts";
import { datanetRegistryAbi, epochManagerAbi } from "../generated/index.ts";

const { contribution: C, inference: I } = SUBJECT_KIND;
const { accept: ACCEPT, reject: REJECT } = VERDICT;
const STAKE = parseEther("0.1");
const REASON = { Agree: 0, Dissent: 1, Heartbeat: 2 } as const;

describe("EpochManager", () => {
  let f: ContractsFixture;
  let snap: Hex;
  beforeAll(async () => {
    f = await startContractsFixture();
    const owner = f.accounts[9]!;
    await f.confirm(f.contracts(owner).datanetRegistry.write.createDatanet(["d", "", "text", 1024]));
  });
  afterAll(() => f?.stop());
  beforeEach(async () => {
    snap = await f.snapshot();
  });
  afterEach(async () => {
    await f.revert(snap);
  });

  const em = (account: PrivateKeyAccount = f.admin) => f.contracts(account).epochManager;
  const worker = (i: number) => f.accounts[i]!;

  /** Registers accounts 1..n as workers and moves to the next epoch, started. Returns that epoch. */
  async function withWorkers(n: number): Promise<bigint> {
    for (let i = 1; i <= n; i++)
      await f.confirm(em(worker(i)).write.register([`12D3KooWorker${i}`], { value: STAKE }));
    const next = (await f.currentEpoch()) + 1n;
    await f.mineToEpoch(next);
    await f.confirm(em().write.startEpoch());
    return next;
  }

  async function newContribution(): Promise<bigint> {
    const r = f.contracts(f.accounts[9]!).datanetRegistry;
    const receipt = await f.confirm(r.write.contribute([1n, randomRoot(), 10n, 1, "", ""]));
    return parseEventLogs({
      abi: datanetRegistryAbi,
      logs: receipt.logs,
      eventName: "ContributionSubmitted",
    })[0]!.args.contributionId;
  }

  async function attest(i: number, epoch: bigint, kind: 0 | 1, id: bigint, verdict: 1 | 2) {
    const receipt = await f.confirm(
      em(worker(i)).write.attest([epoch, kind, id, verdict, 900_000, keccak256(toHex(i))]),
    );
    return parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs });
  }

  it("registers workers with a stake and a peer id, active from the next epoch", async () => {
    const w = em(worker(1));
    const epoch = await f.currentEpoch();
    const receipt = await f.confirm(w.write.register(["12D3KooWabc"], { value: STAKE }));
    expect(
      parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs, eventName: "WorkerRegistered" })[0]!.args,
    ).toEqual({
      worker: worker(1).address,
      peerId: "12D3KooWabc",
      stake: STAKE,
      activeFromEpoch: epoch + 1n,
      activeWorkers: 1n,
    });
    expect(await w.read.getWorker([worker(1).address])).toMatchObject({
      stake: STAKE,
      activeFromEpoch: epoch + 1n,
      registered: true,
      peerId: "12D3KooWabc",
    });
    expect(await w.read.isActive([worker(1).address, epoch])).toBe(false);
    expect(await w.read.isActive([worker(1).address, epoch + 1n])).toBe(true);
    expect(await revertOf(w.write.register(["x"], { value: STAKE }))).toEqual({
      errorName: "AlreadyRegistered",
      args: [worker(1).address],
    });
    const w2 = em(worker(2));
    expect(await revertOf(w2.write.register(["x"], { value: STAKE - 1n }))).toEqual({
      errorName: "InsufficientStake",
      args: [STAKE - 1n, STAKE],
    });
    expect((await revertOf(w2.write.register([""], { value: STAKE }))).errorName).toBe("InvalidPeerId");
    expect((await revertOf(w2.write.register(["x".repeat(129)], { value: STAKE }))).errorName).toBe(
      "InvalidPeerId",
    );
    expect(await revertOf(w2.write.updatePeerId(["y"]))).toEqual({
      errorName: "NotRegistered",
      args: [worker(2).address],
    });
    const updated = await f.confirm(w.write.updatePeerId(["12D3KooWnew"]));
    expect(parseEventLogs({ abi: epochManagerAbi, logs: updated.logs })[0]!.args).toEqual({
      worker: worker(1).address,
      peerId: "12D3KooWnew",
    });
    expect((await revertOf(w.write.updatePeerId([""]))).errorName).toBe("InvalidPeerId");
  });

  it("lets a worker exit after the current epoch and withdraw its stake from the next", async () => {
    const epoch = await withWorkers(2);
    const w = em(worker(1));
    expect((await revertOf(w.write.withdrawStake())).errorName).toBe("StakeLocked");
    const receipt = await f.confirm(w.write.requestExit());
    expect(
      parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs, eventName: "WorkerExitRequested" })[0]!.args,
    ).toEqual({
      worker: worker(1).address,
      lastActiveEpoch: epoch,
      activeWorkers: 1n,
    });
    expect(await w.read.isActive([worker(1).address, epoch])).toBe(true);
    expect(await w.read.isActive([worker(1).address, epoch + 1n])).toBe(false);
    expect((await revertOf(w.write.requestExit())).errorName).toBe("AlreadyExiting");
    expect(await revertOf(w.write.withdrawStake())).toEqual({
      errorName: "StakeLocked",
      args: [worker(1).address, epoch + 1n],
    });
    expect((await revertOf(em(worker(5)).write.requestExit())).errorName).toBe("NotRegistered");
    expect((await revertOf(em(worker(5)).write.withdrawStake())).errorName).toBe("NotRegistered");
    await f.mineToEpoch(epoch + 1n);
    const before = await f.publicClient.getBalance({ address: f.addresses.epochManager });
    const withdrawn = await f.confirm(w.write.withdrawStake());
    expect(
      parseEventLogs({ abi: epochManagerAbi, logs: withdrawn.logs, eventName: "StakeWithdrawn" })[0]!.args,
    ).toEqual({
      worker: worker(1).address,
      amount: STAKE,
    });
    expect(await f.publicClient.getBalance({ address: f.addresses.epochManager })).toBe(before - STAKE);
    expect((await w.read.getWorker([worker(1).address])).registered).toBe(false);
    // The next epoch's snapshot no longer counts it.
    expect((await w.read.getEpoch([epoch + 1n])).activeWorkers).toBe(1n);
    await f.confirm(w.write.register(["again"], { value: STAKE }));
  });

  it("fixes each epoch's seed from the L1 origin and snapshots the active workers", async () => {
    const epoch = await withWorkers(3);
    const info = await em().read.getEpoch([epoch]);
    expect(info).toMatchObject({
      seed: epochSeed({ l1Hash: STUB_L1_ORIGIN.hash, l1Number: STUB_L1_ORIGIN.number, epoch }),
      activeWorkers: 3n,
      validatorsPerSubject: 3,
      quorum: 2,
      started: true,
    });
    expect(await em().read.currentEpoch()).toBe(epoch);
    // A second start in the same epoch changes nothing.
    const again = await f.confirm(em().write.startEpoch());
    expect(again.logs).toHaveLength(0);
    // Registrations during the epoch count from the next one only.
    await f.confirm(em(worker(4)).write.register(["late"], { value: STAKE }));
    expect((await em().read.getEpoch([epoch])).activeWorkers).toBe(3n);
    await f.mineToEpoch(epoch + 1n);
    const receipt = await f.confirm(em().write.startEpoch());
    const [started] = parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs, eventName: "EpochStarted" });
    const start2 = await em().read.epochStartBlock([epoch + 1n]);
    expect(started!.args).toMatchObject({
      epoch: epoch + 1n,
      seed: epochSeed({ l1Hash: STUB_L1_ORIGIN.hash, l1Number: STUB_L1_ORIGIN.number, epoch: epoch + 1n }),
      activeWorkers: 4n,
      validatorsPerSubject: 3n,
      threshold: (((1n << 256n) - 1n) / 4n) * 3n,
      quorum: 2n,
      startBlock: start2,
    });
    expect(await em().read.assignmentOf([epoch + 1n])).toEqual([
      started!.args.seed,
      4n,
      started!.args.threshold,
      2n,
    ]);
    expect((await revertOf(em().read.isAssigned([epoch + 5n, C, 1n, worker(1).address]))).errorName).toBe(
      "EpochNotStarted",
    );
    expect((await revertOf(em().read.assignmentOf([epoch + 5n]))).errorName).toBe("EpochNotStarted");
  });

  it("lets no party pick who validates what: the seed follows L1, not the L2 block, the caller or the moment", async () => {
    for (let i = 1; i <= 5; i++)
      await f.confirm(em(worker(i)).write.register([`12D3KooWorker${i}`], { value: STAKE }));
    const epoch = (await f.currentEpoch()) + 1n;
    const start = await em().read.epochStartBlock([epoch]);
    const ids = [await newContribution(), await newContribution(), await newContribution()];
    const assigned = async () => {
      const [seed, n, threshold] = await em().read.assignmentOf([epoch]);
      expect(n).toBe(5n);
      return ids.map((id) =>
        [1, 2, 3, 4, 5].filter((i) =>
          isAssigned({ seed, kind: C, subjectId: id, worker: worker(i).address, threshold }),
        ),
      );
    };
    /** From a common past: the block before the epoch made with `fill`, the epoch started by `starter` `wait` blocks in. */
    const run = async (fill: () => Promise<unknown>, starter: PrivateKeyAccount, wait: number) => {
      const base = await f.snapshot();
      await f.mine(Number(start - 2n - (await f.publicClient.getBlockNumber())));
      await fill();
      expect(await f.publicClient.getBlockNumber()).toBe(start - 1n);
      const before = (await f.publicClient.getBlock({ blockNumber: start - 1n })).hash;
      if (wait) await f.mine(wait);
      await f.confirm(em(starter).write.startEpoch());
      const out = { before, seed: (await em().read.getEpoch([epoch])).seed, assigned: await assigned() };
      await f.revert(base);
      return out;
    };
    // The sequencer's choice: what goes into the block before the epoch (here two different transfers).
    const transfer = (to: `0x${string}`) => () =>
      f.confirm(
        f.walletClient(worker(6)).sendTransaction({ to, value: 1n, chain: f.chain, account: worker(6) }),
      );
    const a = await run(transfer(worker(7).address), worker(1), 0);
    const b = await run(transfer(worker(8).address), worker(2), 5);
    expect(a.before).not.toBe(b.before);
    expect(b.seed).toBe(a.seed);
    expect(b.assigned).toEqual(a.assigned);
    expect(a.seed).toBe(epochSeed({ l1Hash: STUB_L1_ORIGIN.hash, l1Number: STUB_L1_ORIGIN.number, epoch }));
    // L1 moving on (the depositor's system transaction writes the predeploy) is what changes the seed.
    const l1Hash = keccak256(toHex("the next L1 block"));
    const c = await run(
      async () => {
        await f.testClient.setStorageAt({
          address: L1_BLOCK_ADDRESS,
          index: numberToHex(L1_BLOCK_SLOTS.numberAndTimestamp, { size: 32 }),
          value: numberToHex(2n, { size: 32 }),
        });
        await f.testClient.setStorageAt({
          address: L1_BLOCK_ADDRESS,
          index: numberToHex(L1_BLOCK_SLOTS.hash, { size: 32 }),
          value: l1Hash,
        });
        await transfer(worker(7).address)();
      },
      worker(1),
      0,
    );
    expect(c.seed).toBe(epochSeed({ l1Hash, l1Number: 2n, epoch }));
  });

  it("agrees with the TypeScript assignment rule, and refuses unassigned workers", async () => {
    const epoch = await withWorkers(8);
    const [seed, activeWorkers] = await em().read.assignmentOf([epoch]);
    expect(activeWorkers).toBe(8n);
    const checks: Promise<void>[] = [];
    let assigned = 0;
    let unassigned: { i: number; id: bigint } | undefined;
    for (let id = 1n; id <= 16n; id++) {
      for (let i = 1; i <= 8; i++) {
        for (const kind of [C, I]) {
          const expected = isAssigned({
            seed,
            kind,
            subjectId: id,
            worker: worker(i).address,
            activeWorkers,
            k: 3,
          });
          if (expected) assigned++;
          else if (kind === C) unassigned ??= { i, id };
          checks.push(
            em()
              .read.isAssigned([epoch, kind, id, worker(i).address])
              .then((onChain) => expect(onChain).toBe(expected)),
          );
        }
      }
    }
    await Promise.all(checks);
    // 256 draws at p = 3/8: about 96 assigned.
    expect(assigned).toBeGreaterThan(60);
    expect(assigned).toBeLessThan(135);
    while ((await f.contracts().datanetRegistry.read.contributionCount()) < unassigned!.id)
      await newContribution();
    expect(
      await revertOf(em(worker(unassigned!.i)).write.attest([epoch, C, unassigned!.id, ACCEPT, 0, zeroHash])),
    ).toEqual({
      errorName: "NotAssigned",
      args: [epoch, C, unassigned!.id, worker(unassigned!.i).address],
    });
  });

  it("finalizes a contribution at quorum, rewards agreement and penalises dissent", async () => {
    const epoch = await withWorkers(3);
    const id = await newContribution();
    const first = await attest(1, epoch, C, id, REJECT);
    expect(first).toHaveLength(1);
    expect(first[0]!.args).toEqual({
      epoch,
      subjectId: id,
      worker: worker(1).address,
      kind: C,
      verdict: REJECT,
      score: 900_000,
      resultHash: keccak256(toHex(1)),
      acceptVotes: 0,
      rejectVotes: 1,
    });
    await attest(2, epoch, C, id, ACCEPT);
    expect(await em().read.tallyOf([epoch, C, id])).toEqual([1, 1]);
    const receipt = await f.confirm(em(worker(3)).write.attest([epoch, C, id, ACCEPT, 1, zeroHash]));
    const registryEvents = parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs });
    expect(registryEvents[0]!.args).toMatchObject({ contributionId: id, status: 2, byOwner: false, epoch });
    const events = parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs });
    expect(events.find((e) => e.eventName === "SubjectFinalized")!.args).toEqual({
      epoch,
      subjectId: id,
      kind: C,
      verdict: ACCEPT,
      acceptVotes: 2,
      rejectVotes: 1,
      applied: true,
    });
    const points = events.filter((e) => e.eventName === "PointsChanged").map((e) => e.args);
    expect(points).toEqual([
      {
        epoch,
        worker: worker(1).address,
        reason: REASON.Dissent,
        kind: C,
        subjectId: id,
        delta: -20n,
        total: -20n,
      },
      {
        epoch,
        worker: worker(2).address,
        reason: REASON.Agree,
        kind: C,
        subjectId: id,
        delta: 10n,
        total: 10n,
      },
      {
        epoch,
        worker: worker(3).address,
        reason: REASON.Agree,
        kind: C,
        subjectId: id,
        delta: 10n,
        total: 10n,
      },
    ]);
    expect(await f.contracts().datanetRegistry.read.contributionStatus([id])).toBe(2);
    expect(await em().read.outcomeOf([C, id])).toEqual({ epoch, verdict: ACCEPT });
    expect(await em().read.pointsOf([epoch, worker(1).address])).toEqual({
      points: -20n,
      agreements: 0,
      dissents: 1,
      heartbeats: 0,
    });
    expect(await em().read.verdictOf([epoch, C, id, worker(1).address])).toBe(REJECT);
    expect(await revertOf(em(worker(2)).write.attest([epoch, C, id, ACCEPT, 0, zeroHash]))).toEqual({
      errorName: "AlreadyAttested",
      args: [epoch, C, id, worker(2).address],
    });

    // A late vote in the same epoch is scored at once against the outcome.
    const id2 = await newContribution();
    await attest(1, epoch, C, id2, ACCEPT);
    await attest(2, epoch, C, id2, ACCEPT);
    const late = await attest(3, epoch, C, id2, REJECT);
    expect(late.find((e) => e.eventName === "PointsChanged")!.args).toMatchObject({
      delta: -20n,
      total: -10n,
    });
    expect(late.find((e) => e.eventName === "SubjectFinalized")).toBeUndefined();

    // In a later epoch the subject is closed.
    await f.mineToEpoch(epoch + 1n);
    expect(await revertOf(em(worker(1)).write.attest([epoch + 1n, C, id, ACCEPT, 0, zeroHash]))).toEqual({
      errorName: "SubjectAlreadyFinalized",
      args: [C, id, epoch],
    });
  });

  it("marks a dishonest inference claim Disputed by re-check quorum", async () => {
    const epoch = await withWorkers(3);
    const id = await newContribution();
    const owner = f.contracts(f.accounts[9]!);
    await f.confirm(owner.datanetRegistry.write.overrideContribution([id, 2]));
    await f.confirm(owner.modelRegistry.write.registerModel([keccak256(toHex("m")), zeroHash, [1n], ""]));
    const fee = await owner.attributionLedger.read.quoteFee([100n, 100n]);
    await f.confirm(
      owner.attributionLedger.write.recordInference(
        [1n, randomRoot(), await f.publicClient.getBlockNumber(), 100n, 100n, [id], [1_000_000n]],
        {
          value: fee,
        },
      ),
    );
    await attest(1, epoch, I, 1n, REJECT);
    const receipt = await f.confirm(em(worker(2)).write.attest([epoch, I, 1n, REJECT, 0, zeroHash]));
    const events = parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs });
    expect(events.find((e) => e.eventName === "SubjectFinalized")!.args).toMatchObject({
      kind: I,
      verdict: REJECT,
      applied: true,
    });
    expect(await owner.attributionLedger.read.inferenceStatus([1n])).toBe(3);
    expect((await revertOf(em(worker(3)).write.attest([epoch, I, 2n, ACCEPT, 0, zeroHash]))).errorName).toBe(
      "SubjectNotOpen",
    );
  });

  it("starts an unfinished subject over in the next epoch instead of leaving it stuck", async () => {
    const epoch = await withWorkers(3);
    const id = await newContribution();
    await attest(1, epoch, C, id, ACCEPT);
    await f.mineToEpoch(epoch + 1n);
    expect(await revertOf(em(worker(2)).write.attest([epoch, C, id, ACCEPT, 0, zeroHash]))).toEqual({
      errorName: "WrongEpoch",
      args: [epoch, epoch + 1n],
    });
    // A fresh tally under the new seed: the first worker may vote again.
    const again = await attest(1, epoch + 1n, C, id, ACCEPT);
    expect(again.find((e) => e.eventName === "Attested")!.args).toMatchObject({
      acceptVotes: 1,
      rejectVotes: 0,
    });
    const final = await attest(2, epoch + 1n, C, id, ACCEPT);
    expect(final.find((e) => e.eventName === "SubjectFinalized")!.args).toMatchObject({
      epoch: epoch + 1n,
      acceptVotes: 2,
    });
    // No points carried over from the unfinished round.
    expect((await em().read.pointsOf([epoch, worker(1).address])).points).toBe(0n);
    expect((await em().read.pointsOf([epoch + 1n, worker(1).address])).points).toBe(10n);
  });

  it("refuses bad attestations with a named error", async () => {
    const epoch = await withWorkers(2);
    const id = await newContribution();
    const w = em(worker(1));
    expect((await revertOf(w.write.attest([epoch, 2, id, ACCEPT, 0, zeroHash]))).errorName).toBe(
      "InvalidKind",
    );
    expect(await revertOf(w.write.attest([epoch, C, id, 0, 0, zeroHash]))).toEqual({
      errorName: "InvalidVerdict",
      args: [0],
    });
    expect((await revertOf(w.write.attest([epoch, C, id, 3, 0, zeroHash]))).errorName).toBe("InvalidVerdict");
    expect(await revertOf(em(worker(6)).write.attest([epoch, C, id, ACCEPT, 0, zeroHash]))).toEqual({
      errorName: "NotActive",
      args: [worker(6).address, epoch],
    });
    await f.confirm(em(worker(6)).write.register(["new"], { value: STAKE }));
    expect((await revertOf(em(worker(6)).write.attest([epoch, C, id, ACCEPT, 0, zeroHash]))).errorName).toBe(
      "NotActive",
    );
    expect(await revertOf(w.write.attest([epoch, C, 999n, ACCEPT, 0, zeroHash]))).toEqual({
      errorName: "SubjectNotOpen",
      args: [C, 999n],
    });
    const receipt = await f.confirm(
      f.contracts(worker(1)).datanetRegistry.write.contribute([1n, randomRoot(), 10n, 1, "", ""]),
    );
    const own = parseEventLogs({
      abi: datanetRegistryAbi,
      logs: receipt.logs,
      eventName: "ContributionSubmitted",
    })[0]!.args.contributionId;
    expect(await revertOf(w.write.attest([epoch, C, own, ACCEPT, 0, zeroHash]))).toEqual({
      errorName: "InterestedParty",
      args: [C, own, worker(1).address],
    });
    await attest(2, epoch, C, own, ACCEPT);
    // The Datanet owner decided first: validators can no longer vote on it.
    await f.confirm(f.contracts(f.accounts[9]!).datanetRegistry.write.overrideContribution([id, 3]));
    expect((await revertOf(w.write.attest([epoch, C, id, ACCEPT, 0, zeroHash]))).errorName).toBe(
      "SubjectNotOpen",
    );
    expect(await revertOf(w.write.attest([epoch + 1n, C, id, ACCEPT, 0, zeroHash]))).toEqual({
      errorName: "WrongEpoch",
      args: [epoch + 1n, epoch],
    });
  });

  it("credits heartbeats once per window, only while the worker's verification work is healthy", async () => {
    const epoch = await withWorkers(2);
    const w = em(worker(1));
    let receipt = await f.confirm(w.write.heartbeat());
    let events = parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs });
    expect(events.map((e) => e.eventName)).toEqual(["Heartbeat"]);
    const window = (events[0]!.args as { window: bigint }).window;
    expect(events[0]!.args).toEqual({ epoch, worker: worker(1).address, window, credited: false });
    expect(await revertOf(w.write.heartbeat())).toEqual({
      errorName: "HeartbeatTooSoon",
      args: [worker(1).address, window],
    });
    expect((await revertOf(em(worker(7)).write.heartbeat())).errorName).toBe("NotActive");
    const id = await newContribution();
    await attest(1, epoch, C, id, ACCEPT);
    await attest(2, epoch, C, id, ACCEPT);
    await f.mineToEpoch(epoch + 1n);
    // Windows and epochs are not aligned: make sure the next window has begun too.
    const nextWindowStart = (window + 1n) * 30n;
    const latest = await f.publicClient.getBlockNumber();
    if (latest + 1n < nextWindowStart) await f.mine(Number(nextWindowStart - latest - 1n));
    expect(await f.currentEpoch()).toBe(epoch + 1n);
    receipt = await f.confirm(w.write.heartbeat());
    events = parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs });
    expect(events.find((e) => e.eventName === "Heartbeat")!.args).toMatchObject({
      epoch: epoch + 1n,
      credited: true,
    });
    expect(events.find((e) => e.eventName === "PointsChanged")!.args).toMatchObject({
      reason: REASON.Heartbeat,
      delta: 1n,
      total: 1n,
    });
    expect(await w.read.pointsOf([epoch + 1n, worker(1).address])).toMatchObject({
      points: 1n,
      heartbeats: 1,
    });
  });

  it("closes an ended epoch when one points root reaches the workers' quorum, and never changes it", async () => {
    const epoch = await withWorkers(4); // quorum min(2, 4) = 2
    const right = keccak256(toHex("right"));
    const wrong = keccak256(toHex("wrong"));
    const vote = async (i: number, e: bigint, root: Hex, total: bigint) =>
      parseEventLogs({
        abi: epochManagerAbi,
        logs: (await f.confirm(em(worker(i)).write.attestPointsRoot([e, root, total]))).logs,
      });
    // The epoch is still running: its points may change.
    expect(await revertOf(em(worker(1)).write.attestPointsRoot([epoch, right, 10n]))).toEqual({
      errorName: "EpochNotEnded",
      args: [epoch, epoch],
    });
    await f.mineToEpoch(epoch + 1n);
    await f.confirm(em().write.startEpoch());
    const next = epoch + 1n;
    expect(await revertOf(em(worker(1)).write.attestPointsRoot([next, right, 10n]))).toEqual({
      errorName: "EpochNotEnded",
      args: [next, next],
    });
    // Only workers active now vote; no empty root (an epoch without points has no tree).
    expect(await revertOf(em(worker(7)).write.attestPointsRoot([epoch, right, 10n]))).toEqual({
      errorName: "NotActive",
      args: [worker(7).address, next],
    });
    expect((await revertOf(em(worker(1)).write.attestPointsRoot([epoch, zeroHash, 0n]))).errorName).toBe(
      "InvalidPointsRoot",
    );
    // A wrong root (worker 1) and the right one (worker 2): one vote each, nothing claimable yet.
    expect((await vote(1, epoch, wrong, 10n)).map((e) => e.eventName)).toEqual(["PointsRootAttested"]);
    expect((await vote(2, epoch, right, 10n))[0]!.args).toEqual({
      epoch,
      worker: worker(2).address,
      pointsRoot: right,
      totalPoints: 10n,
      votes: 1,
    });
    expect(await em().read.pointsRootOf([epoch])).toBe(zeroHash);
    expect(await revertOf(em(worker(2)).write.attestPointsRoot([epoch, right, 10n]))).toEqual({
      errorName: "AlreadyVotedPointsRoot",
      args: [epoch, worker(2).address],
    });
    // Same root, other total: another candidate, not a second vote for (right, 10).
    await vote(3, epoch, right, 11n);
    expect(await em().read.pointsRootOf([epoch])).toBe(zeroHash);
    expect(await em().read.pointsRootVotes([epoch, right, 10n])).toBe(1);
    // The deciding vote closes the epoch with that root.
    const events = await vote(4, epoch, right, 10n);
    expect(events.map((e) => e.eventName)).toEqual(["PointsRootAttested", "EpochClosed"]);
    expect(events[1]!.args).toEqual({
      epoch,
      pointsRoot: right,
      totalPoints: 10n,
      closedBy: worker(4).address,
    });
    expect(await em().read.pointsRootOf([epoch])).toBe(right);
    expect(await em().read.getEpoch([epoch])).toMatchObject({
      closed: true,
      pointsRoot: right,
      totalPoints: 10n,
    });
    // A vote after the close is counted (a race in one block is no failure) and changes nothing, even one
    // that brings the wrong root to quorum too.
    await f.confirm(em(worker(5)).write.register(["12D3KooWorker5"], { value: STAKE }));
    await f.mineToEpoch(next + 1n);
    await f.confirm(em().write.startEpoch());
    expect((await vote(5, epoch, wrong, 10n)).map((e) => e.eventName)).toEqual(["PointsRootAttested"]);
    expect(await em().read.pointsRootVotes([epoch, wrong, 10n])).toBe(2);
    expect(await em().read.pointsRootOf([epoch])).toBe(right);
    expect(await em().read.hasVotedPointsRoot([epoch, worker(5).address])).toBe(true);
    expect(await em().read.hasVotedPointsRoot([epoch, worker(6).address])).toBe(false);
  });

  it("takes the quorum of the epoch the vote is cast in: a lone worker closes an epoch alone", async () => {
    const epoch = await withWorkers(1); // quorum min(2, 1) = 1
    await f.mineToEpoch(epoch + 1n);
    const root = keccak256(toHex("root"));
    const receipt = await f.confirm(em(worker(1)).write.attestPointsRoot([epoch, root, 5n]));
    expect(
      parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs, eventName: "EpochClosed" })[0]!.args,
    ).toMatchObject({ epoch, pointsRoot: root, closedBy: worker(1).address });
    // An epoch before the worker was active (nobody earned points there) can be voted too, once.
    const earlier = epoch - 1n;
    await f.confirm(em(worker(1)).write.attestPointsRoot([earlier, root, 5n]));
    expect(await em().read.pointsRootOf([earlier])).toBe(root);
  });

  it("lets only the admin change parameters, and only to sane values", async () => {
    const params = {
      minStake: 5n,
      validatorsPerSubject: 4,
      quorum: 3,
      heartbeatWindowBlocks: 10,
      agreePoints: 2n,
      dissentPenalty: 3n,
      heartbeatPoints: 0n,
    };
    const role = await em().read.DEFAULT_ADMIN_ROLE();
    expect(await revertOf(em(worker(3)).write.setParams([params]))).toEqual({
      errorName: "AccessControlUnauthorizedAccount",
      args: [worker(3).address, role],
    });
    for (const bad of [{ validatorsPerSubject: 0 }, { quorum: 0 }, { heartbeatWindowBlocks: 0 }]) {
      expect((await revertOf(em().write.setParams([{ ...params, ...bad }]))).errorName).toBe("InvalidParams");
    }
    const receipt = await f.confirm(em().write.setParams([params]));
    expect(parseEventLogs({ abi: epochManagerAbi, logs: receipt.logs })[0]!.args).toEqual(params);
    expect(await em().read.params()).toEqual(params);
  });
});
