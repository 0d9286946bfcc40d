import { type Hex, parseEventLogs, zeroAddress } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ContractsFixture,
  randomRoot,
  revertOf,
  startContractsFixture,
} from "../../test/harness/deployFixture.ts";
import { datanetRegistryAbi } from "../generated/index.ts";

const STATUS = { None: 0, Pending: 1, Accepted: 2, Rejected: 3 } as const;
const DAY = 86_400n;

describe("DatanetRegistry", () => {
  let f: ContractsFixture;
  let snap: Hex;
  beforeAll(async () => {
    f = await startContractsFixture();
  });
  afterAll(() => f?.stop());
  beforeEach(async () => {
    snap = await f.snapshot();
  });
  afterEach(async () => {
    await f.revert(snap);
  });

  const owner = () => f.accounts[1]!;
  const contributor = () => f.accounts[2]!;

  async function createDatanet(maxChunkBytes = 1024) {
    const r = f.contracts(owner()).datanetRegistry;
    const receipt = await f.confirm(
      r.write.createDatanet(["Medical QA", "ipfs://meta", "jsonl", maxChunkBytes]),
    );
    const [event] = parseEventLogs({
      abi: datanetRegistryAbi,
      logs: receipt.logs,
      eventName: "DatanetCreated",
    });
    return event!.args.datanetId;
  }

  async function contribute(datanetId: bigint, byteSize = 2000n, chunkCount = 2, root = randomRoot()) {
    const r = f.contracts(contributor()).datanetRegistry;
    const receipt = await f.confirm(
      r.write.contribute([datanetId, root, byteSize, chunkCount, "CC-BY-4.0", "ipfs://c"]),
    );
    const [event] = parseEventLogs({
      abi: datanetRegistryAbi,
      logs: receipt.logs,
      eventName: "ContributionSubmitted",
    });
    return event!.args;
  }

  it("creates a Datanet with default limits and emits everything an indexer needs", async () => {
    const r = f.contracts(owner()).datanetRegistry;
    const receipt = await f.confirm(r.write.createDatanet(["Medical QA", "ipfs://meta", "jsonl", 262_144]));
    const [event] = parseEventLogs({
      abi: datanetRegistryAbi,
      logs: receipt.logs,
      eventName: "DatanetCreated",
    });
    expect(event!.args).toEqual({
      datanetId: 1n,
      owner: owner().address,
      name: "Medical QA",
      metadataURI: "ipfs://meta",
      format: "jsonl",
      maxChunkBytes: 262_144,
      maxBytesPerDay: 10n * 1024n * 1024n,
      maxContributionsPerDay: 20,
    });
    const d = await r.read.getDatanet([1n]);
    expect(d.owner).toBe(owner().address);
    expect(d.format).toBe("jsonl");
    expect(await r.read.datanetExists([1n])).toBe(true);
    expect(await r.read.datanetExists([2n])).toBe(false);
    expect(await r.read.datanetCount()).toBe(1n);
  });

  it("refuses bad Datanet parameters", async () => {
    const r = f.contracts(owner()).datanetRegistry;
    expect((await revertOf(r.write.createDatanet(["", "u", "text", 10]))).errorName).toBe("EmptyName");
    expect((await revertOf(r.write.createDatanet(["n", "u", "", 10]))).errorName).toBe("EmptyFormat");
    expect(await revertOf(r.write.createDatanet(["n", "u", "text", 0]))).toEqual({
      errorName: "InvalidMaxChunkBytes",
      args: [0, 4 * 1024 * 1024],
    });
    expect((await revertOf(r.write.createDatanet(["n", "u", "text", 4 * 1024 * 1024 + 1]))).errorName).toBe(
      "InvalidMaxChunkBytes",
    );
    expect((await revertOf(r.read.getDatanet([9n]))).errorName).toBe("DatanetNotFound");
  });

  it("lets only the Datanet owner change limits, metadata and ownership", async () => {
    const id = await createDatanet();
    const stranger = f.contracts(contributor()).datanetRegistry;
    const r = f.contracts(owner()).datanetRegistry;
    expect(await revertOf(stranger.write.setDailyLimits([id, 1n, 1]))).toEqual({
      errorName: "NotDatanetOwner",
      args: [id, contributor().address],
    });
    expect((await revertOf(stranger.write.setDatanetMetadataURI([id, "x"]))).errorName).toBe(
      "NotDatanetOwner",
    );
    expect(
      (await revertOf(stranger.write.transferDatanetOwnership([id, contributor().address]))).errorName,
    ).toBe("NotDatanetOwner");
    expect((await revertOf(r.write.setDailyLimits([99n, 1n, 1]))).errorName).toBe("DatanetNotFound");
    expect((await revertOf(r.write.setDailyLimits([id, 0n, 1]))).errorName).toBe("InvalidDailyLimits");
    expect((await revertOf(r.write.setDailyLimits([id, 1n, 0]))).errorName).toBe("InvalidDailyLimits");

    let receipt = await f.confirm(r.write.setDailyLimits([id, 5000n, 3]));
    expect(parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs })[0]!.args).toEqual({
      datanetId: id,
      owner: owner().address,
      maxBytesPerDay: 5000n,
      maxContributionsPerDay: 3,
    });
    receipt = await f.confirm(r.write.setDatanetMetadataURI([id, "ipfs://v2"]));
    expect(
      parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs, eventName: "DatanetMetadataUpdated" }),
    ).toHaveLength(1);
    expect((await r.read.getDatanet([id])).metadataURI).toBe("ipfs://v2");
    expect((await revertOf(r.write.transferDatanetOwnership([id, zeroAddress]))).errorName).toBe(
      "ZeroAddress",
    );
    receipt = await f.confirm(r.write.transferDatanetOwnership([id, contributor().address]));
    expect(
      parseEventLogs({
        abi: datanetRegistryAbi,
        logs: receipt.logs,
        eventName: "DatanetOwnershipTransferred",
      })[0]!.args,
    ).toEqual({ datanetId: id, previousOwner: owner().address, newOwner: contributor().address });
    expect((await r.read.getDatanet([id])).owner).toBe(contributor().address);
  });

  it("records a contribution as Pending with its day usage", async () => {
    const id = await createDatanet();
    const root = randomRoot();
    const args = await contribute(id, 1500n, 2, root);
    expect(args).toMatchObject({
      contributionId: 1n,
      datanetId: id,
      contributor: contributor().address,
      dataRoot: root,
      byteSize: 1500n,
      chunkCount: 2,
      license: "CC-BY-4.0",
      metadataURI: "ipfs://c",
      dayBytesUsed: 1500n,
      dayContributions: 1,
    });
    const r = f.contracts().datanetRegistry;
    const c = await r.read.getContribution([1n]);
    expect(c).toMatchObject({
      contributor: contributor().address,
      status: STATUS.Pending,
      byteSize: 1500n,
      dataRoot: root,
    });
    expect(await r.read.contributionIdByRoot([root])).toBe(1n);
    expect(await r.read.contributionStatus([1n])).toBe(STATUS.Pending);
    const [day, bytesUsed, count] = await r.read.dailyUsage([id, contributor().address]);
    expect([day, bytesUsed, count]).toEqual([args.day, 1500n, 1]);
  });

  it("refuses bad contributions", async () => {
    const id = await createDatanet(1000);
    const r = f.contracts(contributor()).datanetRegistry;
    const root = randomRoot();
    await contribute(id, 100n, 1, root);
    const call = (d: bigint, dataRoot: Hex, bytes: bigint, chunks: number) =>
      revertOf(r.write.contribute([d, dataRoot, bytes, chunks, "", ""]));
    expect((await call(7n, randomRoot(), 10n, 1)).errorName).toBe("DatanetNotFound");
    expect((await call(id, `0x${"00".repeat(32)}`, 10n, 1)).errorName).toBe("InvalidDataRoot");
    expect(await call(id, root, 10n, 1)).toEqual({ errorName: "DataRootAlreadyUsed", args: [root, 1n] });
    expect((await call(id, randomRoot(), 0n, 1)).errorName).toBe("InvalidByteSize");
    expect((await call(id, randomRoot(), 10n, 0)).errorName).toBe("InvalidChunkCount");
    // 2001 bytes cannot fit in 2 chunks of at most 1000; 3 bytes cannot fill 4 non-empty chunks.
    expect(await call(id, randomRoot(), 2001n, 2)).toEqual({
      errorName: "InvalidChunkCount",
      args: [2, 2001n, 1000],
    });
    expect((await call(id, randomRoot(), 3n, 4)).errorName).toBe("InvalidChunkCount");
  });

  it("enforces the daily count and byte limits and resets them at the day boundary", async () => {
    const id = await createDatanet();
    await f.confirm(f.contracts(owner()).datanetRegistry.write.setDailyLimits([id, 5000n, 3]));
    // Start just after a day boundary so all of today's contributions land on the same day.
    const now = (await f.publicClient.getBlock()).timestamp;
    const nextDay = (now / DAY + 1n) * DAY;
    await f.testClient.setNextBlockTimestamp({ timestamp: nextDay + 10n });
    await f.mine();
    const first = await contribute(id, 2000n, 2);
    await contribute(id, 2000n, 2);
    const r = f.contracts(contributor()).datanetRegistry;
    expect(await revertOf(r.write.contribute([id, randomRoot(), 1001n, 2, "", ""]))).toEqual({
      errorName: "DailyByteLimitExceeded",
      args: [contributor().address, first.day, 4000n, 1001n, 5000n],
    });
    await contribute(id, 1000n, 1);
    expect(await revertOf(r.write.contribute([id, randomRoot(), 1n, 1, "", ""]))).toEqual({
      errorName: "DailyContributionLimitExceeded",
      args: [contributor().address, first.day, 3],
    });
    // Another contributor has its own budget.
    const other = f.contracts(f.accounts[3]!).datanetRegistry;
    await f.confirm(other.write.contribute([id, randomRoot(), 1000n, 1, "", ""]));

    // One second before midnight is still the same day; midnight starts a new budget.
    await f.testClient.setNextBlockTimestamp({ timestamp: nextDay + DAY - 1n });
    expect((await revertOf(r.write.contribute([id, randomRoot(), 1n, 1, "", ""]))).errorName).toBe(
      "DailyContributionLimitExceeded",
    );
    await f.testClient.setNextBlockTimestamp({ timestamp: nextDay + DAY });
    const next = await contribute(id, 5000n, 5);
    expect(next.day).toBe(first.day + 1n);
    expect(next.dayBytesUsed).toBe(5000n);
    expect(next.dayContributions).toBe(1);
  });

  it("lets the Datanet owner override a contribution, before or after quorum", async () => {
    const id = await createDatanet();
    await contribute(id);
    const r = f.contracts(owner()).datanetRegistry;
    expect(
      await revertOf(
        f.contracts(contributor()).datanetRegistry.write.overrideContribution([1n, STATUS.Accepted]),
      ),
    ).toEqual({
      errorName: "NotDatanetOwner",
      args: [id, contributor().address],
    });
    expect((await revertOf(r.write.overrideContribution([9n, STATUS.Accepted]))).errorName).toBe(
      "ContributionNotFound",
    );
    expect((await revertOf(r.write.overrideContribution([1n, STATUS.Pending]))).errorName).toBe(
      "InvalidFinalStatus",
    );
    expect((await revertOf(r.write.overrideContribution([1n, STATUS.Pending]))).args).toEqual([
      STATUS.Pending,
    ]);
    const receipt = await f.confirm(r.write.overrideContribution([1n, STATUS.Accepted]));
    const [event] = parseEventLogs({
      abi: datanetRegistryAbi,
      logs: receipt.logs,
      eventName: "ContributionFinalized",
    });
    expect(event!.args).toMatchObject({
      contributionId: 1n,
      datanetId: id,
      contributor: contributor().address,
      byteSize: 2000n,
      status: STATUS.Accepted,
      previousStatus: STATUS.Pending,
      byOwner: true,
      epoch: 0n,
    });
    expect((await revertOf(r.write.overrideContribution([1n, STATUS.Accepted]))).errorName).toBe(
      "StatusUnchanged",
    );
    await f.confirm(r.write.overrideContribution([1n, STATUS.Rejected]));
    expect(await r.read.contributionStatus([1n])).toBe(STATUS.Rejected);
  });

  it("reports accepted contributions in bulk and refuses anything else", async () => {
    const id = await createDatanet();
    await contribute(id);
    await contribute(id);
    const r = f.contracts(owner()).datanetRegistry;
    await f.confirm(r.write.overrideContribution([1n, STATUS.Accepted]));
    expect(await r.read.acceptedContributions([[1n]])).toEqual([[contributor().address], [id]]);
    expect(await revertOf(r.read.acceptedContributions([[1n, 2n]]))).toEqual({
      errorName: "ContributionNotAccepted",
      args: [2n, STATUS.Pending],
    });
    expect((await revertOf(r.read.acceptedContributions([[5n]]))).args).toEqual([5n, STATUS.None]);
  });

  it("takes quorum outcomes only from the EpochManager, and only the admin wires it", async () => {
    const id = await createDatanet();
    await contribute(id);
    const r = f.contracts(owner()).datanetRegistry;
    expect(await revertOf(r.write.finalizeContribution([1n, true, 0n]))).toEqual({
      errorName: "NotEpochManager",
      args: [owner().address],
    });
    expect(await revertOf(r.write.setEpochManager([owner().address]))).toEqual({
      errorName: "OwnableUnauthorizedAccount",
      args: [owner().address],
    });
    const admin = f.contracts().datanetRegistry;
    expect((await revertOf(admin.write.setEpochManager([zeroAddress]))).errorName).toBe("ZeroAddress");
    // Make the admin the "EpochManager" to exercise the callee side directly.
    await f.confirm(admin.write.setEpochManager([f.admin.address]));
    expect((await revertOf(admin.write.finalizeContribution([9n, true, 4n]))).errorName).toBe(
      "ContributionNotFound",
    );
    const receipt = await f.confirm(admin.write.finalizeContribution([1n, false, 4n]));
    const [event] = parseEventLogs({
      abi: datanetRegistryAbi,
      logs: receipt.logs,
      eventName: "ContributionFinalized",
    });
    expect(event!.args).toMatchObject({ status: STATUS.Rejected, byOwner: false, epoch: 4n });
    // Already decided: a later quorum is a no-op, not a revert (the EpochManager must not get stuck).
    const again = await f.confirm(admin.write.finalizeContribution([1n, true, 5n]));
    expect(parseEventLogs({ abi: datanetRegistryAbi, logs: again.logs })).toHaveLength(0);
    expect(await r.read.contributionStatus([1n])).toBe(STATUS.Rejected);
  });
});
