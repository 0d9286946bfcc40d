import {
  type Address,
  encodeAbiParameters,
  type Hex,
  keccak256,
  parseEventLogs,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ContractsFixture,
  randomRoot,
  revertOf,
  startContractsFixture,
} from "../../test/harness/deployFixture.ts";
import { attributionLedgerAbi } from "../generated/index.ts";

const ACCEPTED = 2;
const REJECTED = 3;

/** Deterministic PRNG (mulberry32) so a failing random case can be replayed. */
function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const big = (maxExclusive: bigint) => {
    let r = 0n;
    for (let i = 0; i < 4; i++) r = (r << 32n) | BigInt(int(2 ** 32));
    return r % maxExclusive;
  };
  return { int, big };
}

/** n positive integer weights summing to exactly 1,000,000. */
function randomWeights(rand: ReturnType<typeof prng>, n: number): bigint[] {
  const cuts = new Set<number>();
  while (cuts.size < n - 1) cuts.add(1 + rand.int(999_999));
  const points = [0, ...[...cuts].sort((a, b) => a - b), 1_000_000];
  return points.slice(1).map((p, i) => BigInt(p - points[i]!));
}

describe("AttributionLedger", () => {
  let f: ContractsFixture;
  let snap: Hex;
  const accepted: { id: bigint; contributor: Address }[] = [];
  let pendingId: bigint;
  let rejectedId: bigint;
  let otherDatanetId: bigint;

  beforeAll(async () => {
    f = await startContractsFixture();
    const owner = f.accounts[1]!;
    const r = f.contracts(owner).datanetRegistry;
    await f.confirm(r.write.createDatanet(["main", "", "text", 4096]));
    await f.confirm(r.write.createDatanet(["other", "", "text", 4096]));
    await f.confirm(r.write.setDailyLimits([1n, 10n ** 12n, 1000]));
    const contributors = [f.accounts[2]!, f.accounts[3]!, f.accounts[5]!, f.accounts[6]!];
    // Sent without waiting for each receipt: one block per transaction on automine, in order.
    const hashes: Hex[] = [];
    for (let i = 0; i < 72; i++) {
      const who = contributors[i % contributors.length]!;
      hashes.push(
        await f.contracts(who).datanetRegistry.write.contribute([1n, randomRoot(), 100n, 1, "MIT", ""]),
      );
    }
    hashes.push(
      await f.contracts(f.accounts[2]!).datanetRegistry.write.contribute([2n, randomRoot(), 100n, 1, "", ""]),
    );
    for (const h of hashes) await f.confirm(h);
    for (let id = 1n; id <= 70n; id++) {
      await f.confirm(r.write.overrideContribution([id, ACCEPTED]));
      accepted.push({ id, contributor: contributors[Number(id - 1n) % contributors.length]!.address });
    }
    pendingId = 71n;
    rejectedId = 72n;
    await f.confirm(r.write.overrideContribution([rejectedId, REJECTED]));
    otherDatanetId = 73n;
    await f.confirm(r.write.overrideContribution([otherDatanetId, ACCEPTED]));
    await f.confirm(
      f
        .contracts(f.accounts[4]!)
        .modelRegistry.write.registerModel([keccak256(toHex("m")), zeroHash, [1n], ""]),
    );
  });
  afterAll(() => f?.stop());
  beforeEach(async () => {
    snap = await f.snapshot();
  });
  afterEach(async () => {
    await f.revert(snap);
  });

  const payer = () => f.accounts[7]!;
  const developer = () => f.accounts[4]!.address;

  async function record(ids: bigint[], weights: bigint[], tokensIn = 1000n, tokensOut = 500n) {
    const ledger = f.contracts(payer()).attributionLedger;
    const fee = await ledger.read.quoteFee([tokensIn, tokensOut]);
    const outputRoot = randomRoot();
    const corpusBlock = await f.publicClient.getBlockNumber();
    const receipt = await f.confirm(
      ledger.write.recordInference([1n, outputRoot, corpusBlock, tokensIn, tokensOut, ids, weights], {
        value: fee,
      }),
    );
    const logs = parseEventLogs({ abi: attributionLedgerAbi, logs: receipt.logs });
    return { fee, outputRoot, corpusBlock, receipt, logs };
  }

  it("quotes the fee from per-1k-token rates plus the platform fee", async () => {
    const ledger = f.contracts().attributionLedger;
    const s = await ledger.read.feeSchedule();
    expect(s).toEqual({
      inputRatePer1k: 10n ** 15n,
      outputRatePer1k: 2n * 10n ** 15n,
      platformFee: 10n ** 14n,
      developerBps: 3000,
      validatorBps: 1000,
      contributorBps: 6000,
    });
    expect(await ledger.read.quoteFee([1000n, 500n])).toBe(10n ** 15n + 10n ** 15n + 10n ** 14n);
    expect(await ledger.read.quoteFee([1n, 0n])).toBe(10n ** 12n + 10n ** 14n);
  });

  it("records an inference, one event per attribution entry, and credits every party", async () => {
    const { fee, outputRoot, corpusBlock, logs } = await record([1n, 2n], [750_000n, 250_000n]);
    const recorded = logs.find((l) => l.eventName === "InferenceRecorded")!;
    const tokenCharge = fee - 10n ** 14n;
    const toDeveloper = (tokenCharge * 3000n) / 10_000n;
    const toValidators = (tokenCharge * 1000n) / 10_000n;
    const toContributors = tokenCharge - toDeveloper - toValidators;
    const shares = [(toContributors * 750_000n) / 1_000_000n, (toContributors * 250_000n) / 1_000_000n];
    const dust = toContributors - shares[0]! - shares[1]!;
    expect(recorded.args).toEqual({
      inferenceId: 1n,
      modelId: 1n,
      payer: payer().address,
      developer: developer(),
      outputRoot,
      attributionHash: keccak256(
        encodeAbiParameters(
          [{ type: "uint256[]" }, { type: "uint256[]" }],
          [
            [1n, 2n],
            [750_000n, 250_000n],
          ],
        ),
      ),
      corpusBlock,
      tokensIn: 1000n,
      tokensOut: 500n,
      fee,
      platformFee: 10n ** 14n,
      developerAmount: toDeveloper + dust,
      validatorAmount: toValidators,
      contributorAmount: shares[0]! + shares[1]!,
      entryCount: 2n,
    });
    const entries = logs.filter((l) => l.eventName === "AttributionRecorded").map((l) => l.args);
    expect(entries).toEqual([
      {
        inferenceId: 1n,
        contributionId: 1n,
        contributor: accepted[0]!.contributor,
        datanetId: 1n,
        modelId: 1n,
        weight: 750_000n,
        amount: shares[0],
      },
      {
        inferenceId: 1n,
        contributionId: 2n,
        contributor: accepted[1]!.contributor,
        datanetId: 1n,
        modelId: 1n,
        weight: 250_000n,
        amount: shares[1],
      },
    ]);
    const ledger = f.contracts().attributionLedger;
    const inference = await ledger.read.getInference([1n]);
    expect(inference).toMatchObject({ payer: payer().address, modelId: 1n, status: 1, fee, outputRoot });
    expect(inference.attributionHash).toBe(recorded.args.attributionHash);
    expect(await ledger.read.claimable([developer()])).toBe(toDeveloper + dust);
    expect(await ledger.read.claimable([f.addresses.pointsDistributor])).toBe(toValidators);
    expect(await ledger.read.claimable([f.admin.address])).toBe(10n ** 14n);
    expect(await ledger.read.totalUnclaimed()).toBe(fee);
    expect(await f.publicClient.getBalance({ address: f.addresses.attributionLedger })).toBe(fee);
  });

  it("splits the fee exactly under random schedules, weights and entry counts (no wei created or lost)", async () => {
    const rand = prng(20261125);
    const admin = f.contracts().attributionLedger;
    const pool = f.addresses.pointsDistributor;
    const parties = [developer(), pool, f.admin.address, ...new Set(accepted.map((a) => a.contributor))];
    let expectedTotal = 0n;
    for (let round = 0; round < 12; round++) {
      const dev = rand.int(10_001);
      const val = rand.int(10_001 - dev);
      await f.confirm(
        admin.write.setFeeSchedule([
          {
            inputRatePer1k: rand.big(10n ** 18n),
            outputRatePer1k: rand.big(10n ** 18n),
            platformFee: rand.big(10n ** 16n),
            developerBps: dev,
            validatorBps: val,
            contributorBps: 10_000 - dev - val,
          },
        ]),
      );
      const n = round === 0 ? 64 : 1 + rand.int(64);
      const ids = [...accepted]
        .sort(() => rand.int(3) - 1)
        .slice(0, n)
        .map((a) => a.id)
        .sort((a, b) => (a < b ? -1 : 1));
      const weights = randomWeights(rand, n);
      const before = await Promise.all(parties.map((p) => admin.read.claimable([p])));
      const { fee, logs } = await record(
        ids,
        weights,
        BigInt(rand.int(1_000_000)),
        BigInt(rand.int(1_000_000)),
      );
      const after = await Promise.all(parties.map((p) => admin.read.claimable([p])));
      const recorded = logs.find((l) => l.eventName === "InferenceRecorded")!.args;
      const amounts = logs.filter((l) => l.eventName === "AttributionRecorded").map((l) => l.args.amount);
      expect(amounts).toHaveLength(n);
      expect(amounts.reduce((s, a) => s + a, 0n)).toBe(recorded.contributorAmount);
      expect(
        recorded.platformFee +
          recorded.developerAmount +
          recorded.validatorAmount +
          recorded.contributorAmount,
      ).toBe(fee);
      expect(after.reduce((s, a) => s + a, 0n) - before.reduce((s, b) => s + b, 0n)).toBe(fee);
      // Rounding dust is below one wei per entry plus one per bps share.
      expect(
        recorded.developerAmount - ((fee - recorded.platformFee) * BigInt(dev)) / 10_000n,
      ).toBeLessThanOrEqual(BigInt(n + 2));
      expectedTotal += fee;
    }
    expect(await admin.read.totalUnclaimed()).toBe(expectedTotal);
    expect(await f.publicClient.getBalance({ address: f.addresses.attributionLedger })).toBe(expectedTotal);
  });

  it("refuses malformed attributions with a named error", async () => {
    const ledger = f.contracts(payer()).attributionLedger;
    const fee = await ledger.read.quoteFee([10n, 10n]);
    const corpusBlock = await f.publicClient.getBlockNumber();
    const call = (ids: bigint[], weights: bigint[], value = fee, modelId = 1n, root: Hex = randomRoot()) =>
      revertOf(ledger.write.recordInference([modelId, root, corpusBlock, 10n, 10n, ids, weights], { value }));
    expect((await call([1n], [1_000_000n], fee, 1n, zeroHash)).errorName).toBe("InvalidOutputRoot");
    expect((await call([], [])).errorName).toBe("EmptyAttribution");
    const tooMany = Array.from({ length: 129 }, (_, i) => BigInt(i + 1));
    expect(await call(tooMany, tooMany)).toEqual({ errorName: "TooManyEntries", args: [129n, 128n] });
    expect(await call([1n, 2n], [1_000_000n])).toEqual({ errorName: "LengthMismatch", args: [2n, 1n] });
    expect(await call([2n, 1n], [500_000n, 500_000n])).toEqual({
      errorName: "ContributionIdsNotAscending",
      args: [1n],
    });
    expect((await call([2n, 2n], [500_000n, 500_000n])).errorName).toBe("ContributionIdsNotAscending");
    expect(await call([1n, 2n], [1_000_000n, 0n])).toEqual({ errorName: "ZeroWeight", args: [1n] });
    expect(await call([1n, 2n], [500_000n, 499_999n])).toEqual({
      errorName: "WeightsDoNotSum",
      args: [999_999n, 1_000_000n],
    });
    expect(await call([1n], [1_000_000n], fee - 1n)).toEqual({
      errorName: "WrongFee",
      args: [fee, fee - 1n],
    });
    expect((await call([1n], [1_000_000n], fee + 1n)).errorName).toBe("WrongFee");
    // Errors from the registries bubble up with their own names.
    expect(await call([1n], [1_000_000n], fee, 9n)).toEqual({ errorName: "ModelNotFound", args: [9n] });
    expect(await call([1n, pendingId], [500_000n, 500_000n])).toEqual({
      errorName: "ContributionNotAccepted",
      args: [pendingId, 1],
    });
    expect((await call([rejectedId], [1_000_000n])).args).toEqual([rejectedId, REJECTED]);
    expect(await call([1n, otherDatanetId], [500_000n, 500_000n])).toEqual({
      errorName: "DatanetNotInModel",
      args: [1n, 2n],
    });
  });

  it("binds each inference to a corpus block before its own and at most MAX_CORPUS_AGE back, in its event", async () => {
    const ledger = f.contracts(payer()).attributionLedger;
    expect(await ledger.read.MAX_CORPUS_AGE()).toBe(256n);
    await f.mine(300);
    const fee = await ledger.read.quoteFee([10n, 10n]);
    const send = (corpusBlock: bigint) =>
      ledger.write.recordInference([1n, randomRoot(), corpusBlock, 10n, 10n, [1n], [1_000_000n]], {
        value: fee,
      });
    // The block it lands in, or a later one, is not a finished corpus: an acceptance in the inference's own
    // block (before or after it) can never decide which corpus the claim meant.
    let head = await f.publicClient.getBlockNumber();
    const notPast = await revertOf(send(head + 1n));
    expect(notPast).toEqual({ errorName: "CorpusBlockNotPast", args: [head + 1n, head + 1n] });
    expect((await revertOf(send(head + 50n))).errorName).toBe("CorpusBlockNotPast");
    expect(await revertOf(send(head - 256n))).toEqual({
      errorName: "CorpusBlockTooOld",
      args: [head - 256n, head + 1n - 256n],
    });
    // The oldest allowed (256 back from the block it lands in) and the newest (the block before it).
    for (const back of [255n, 0n]) {
      head = await f.publicClient.getBlockNumber();
      const receipt = await f.confirm(send(head - back));
      expect(receipt.blockNumber).toBe(head + 1n);
      const [recorded] = parseEventLogs({
        abi: attributionLedgerAbi,
        logs: receipt.logs,
        eventName: "InferenceRecorded",
      });
      expect(recorded!.args.corpusBlock).toBe(head - back);
      expect(recorded!.args.payer).toBe(payer().address);
      expect(recorded!.args.fee).toBe(fee);
    }
  });

  it("refuses a fee that would not fit its uint128 record", async () => {
    const max128 = (1n << 128n) - 1n;
    await f.confirm(
      f.contracts().attributionLedger.write.setFeeSchedule([
        {
          inputRatePer1k: max128,
          outputRatePer1k: 0n,
          platformFee: 0n,
          developerBps: 0,
          validatorBps: 0,
          contributorBps: 10_000,
        },
      ]),
    );
    await f.testClient.setBalance({ address: payer().address, value: 1n << 200n });
    const ledger = f.contracts(payer()).attributionLedger;
    const fee = await ledger.read.quoteFee([1_000_000n, 0n]);
    expect(fee).toBeGreaterThan(max128);
    expect(
      await revertOf(
        ledger.write.recordInference(
          [1n, randomRoot(), await f.publicClient.getBlockNumber(), 1_000_000n, 0n, [1n], [1_000_000n]],
          { value: fee },
        ),
      ),
    ).toEqual({ errorName: "FeeTooLarge", args: [fee] });
  });

  it("pays balances out with claim() and claimFor(), once", async () => {
    await record([1n], [1_000_000n]);
    const ledger = f.contracts(f.accounts[2]!).attributionLedger;
    const contributor = accepted[0]!.contributor;
    const owed = await ledger.read.claimable([contributor]);
    expect(owed).toBeGreaterThan(0n);
    // claimFor sent by a third party: the account receives exactly what it is owed (it pays no gas).
    const before = await f.publicClient.getBalance({ address: contributor });
    const receipt = await f.confirm(
      f.contracts(f.accounts[8]!).attributionLedger.write.claimFor([contributor]),
    );
    expect(await f.publicClient.getBalance({ address: contributor })).toBe(before + owed);
    expect(parseEventLogs({ abi: attributionLedgerAbi, logs: receipt.logs })[0]!.args).toEqual({
      account: contributor,
      caller: f.accounts[8]!.address,
      amount: owed,
    });
    expect(await revertOf(ledger.write.claim())).toEqual({
      errorName: "NothingToClaim",
      args: [contributor],
    });
    const devLedger = f.contracts(f.accounts[4]!).attributionLedger;
    const devOwed = await devLedger.read.claimable([developer()]);
    await f.confirm(devLedger.write.claim());
    expect(await devLedger.read.claimable([developer()])).toBe(0n);
    const fee = (await devLedger.read.getInference([1n])).fee;
    expect(await devLedger.read.totalUnclaimed()).toBe(fee - owed - devOwed);
    expect(await f.publicClient.getBalance({ address: f.addresses.attributionLedger })).toBe(
      fee - owed - devOwed,
    );
  });

  it("takes inference outcomes only from the EpochManager", async () => {
    await record([1n], [1_000_000n]);
    const ledger = f.contracts().attributionLedger;
    expect(await revertOf(ledger.write.setInferenceOutcome([1n, false, 0n]))).toEqual({
      errorName: "NotEpochManager",
      args: [f.admin.address],
    });
    await f.confirm(ledger.write.setEpochManager([f.admin.address]));
    expect((await revertOf(ledger.write.setInferenceOutcome([5n, false, 0n]))).errorName).toBe(
      "InferenceNotFound",
    );
    const receipt = await f.confirm(ledger.write.setInferenceOutcome([1n, false, 3n]));
    expect(parseEventLogs({ abi: attributionLedgerAbi, logs: receipt.logs })[0]!.args).toEqual({
      inferenceId: 1n,
      modelId: 1n,
      status: 3,
      honest: false,
      epoch: 3n,
    });
    expect(await ledger.read.inferenceStatus([1n])).toBe(3);
    const again = await f.confirm(ledger.write.setInferenceOutcome([1n, true, 4n]));
    expect(again.logs).toHaveLength(0);
    expect((await revertOf(ledger.read.getInference([2n]))).errorName).toBe("InferenceNotFound");
  });

  it("restricts configuration to the admin and validates it", async () => {
    const stranger = f.contracts(f.accounts[9]!).attributionLedger;
    const admin = f.contracts().attributionLedger;
    const schedule = {
      inputRatePer1k: 1n,
      outputRatePer1k: 2n,
      platformFee: 3n,
      developerBps: 5000,
      validatorBps: 2000,
      contributorBps: 3000,
    };
    const who = f.accounts[9]!.address;
    for (const call of [
      () => stranger.write.setFeeSchedule([schedule]),
      () => stranger.write.setTreasury([who]),
      () => stranger.write.setValidatorPool([who]),
      () => stranger.write.setEpochManager([who]),
    ]) {
      expect(await revertOf(call())).toEqual({ errorName: "OwnableUnauthorizedAccount", args: [who] });
    }
    expect(await revertOf(admin.write.setFeeSchedule([{ ...schedule, contributorBps: 2999 }]))).toEqual({
      errorName: "InvalidFeeSplit",
      args: [5000, 2000, 2999],
    });
    for (const call of [
      () => admin.write.setTreasury([zeroAddress]),
      () => admin.write.setValidatorPool([zeroAddress]),
      () => admin.write.setEpochManager([zeroAddress]),
    ]) {
      expect((await revertOf(call())).errorName).toBe("ZeroAddress");
    }
    const receipt = await f.confirm(admin.write.setFeeSchedule([schedule]));
    expect(parseEventLogs({ abi: attributionLedgerAbi, logs: receipt.logs })[0]!.args).toEqual(schedule);
    await f.confirm(admin.write.setTreasury([who]));
    await f.confirm(admin.write.setValidatorPool([who]));
    expect(await admin.read.treasury()).toBe(who);
    expect(await admin.read.validatorPool()).toBe(who);
    expect(await admin.read.quoteFee([1000n, 1000n])).toBe(1n + 2n + 3n);
  });
});
