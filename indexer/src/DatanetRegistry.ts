import { ponder } from "ponder:registry";
import { contribution, contributionStatusChange, datanet } from "ponder:schema";
import {
  type ContributionStatus,
  decodeContributionStatus,
} from "../../contracts/enums/contributionStatus.ts";
import { datanetRegistryAbi } from "../../contracts/generated/index.ts";
import { bumpAccount, bumpProtocol, eventMeta, lower, noteDeposit } from "./context.ts";
import { displayText, rawStringsOf } from "./exactText.ts";

const datanetCreatedStrings = rawStringsOf(datanetRegistryAbi, "DatanetCreated");
const datanetMetadataStrings = rawStringsOf(datanetRegistryAbi, "DatanetMetadataUpdated");
const contributionStrings = rawStringsOf(datanetRegistryAbi, "ContributionSubmitted");

ponder.on("DatanetRegistry:DatanetCreated", async ({ event, context }) => {
  await noteDeposit(event, context, "DatanetRegistry:DatanetCreated");
  const a = event.args;
  const raw = datanetCreatedStrings(event.log.data);
  await context.db.insert(datanet).values({
    id: a.datanetId,
    owner: lower(a.owner),
    name: displayText(a.name),
    metadataURI: displayText(a.metadataURI),
    format: displayText(a.format),
    nameHex: raw.name!,
    metadataURIHex: raw.metadataURI!,
    formatHex: raw.format!,
    maxChunkBytes: Number(a.maxChunkBytes),
    maxBytesPerDay: a.maxBytesPerDay,
    maxContributionsPerDay: BigInt(a.maxContributionsPerDay),
    contributionCount: 0,
    pendingCount: 0,
    acceptedCount: 0,
    rejectedCount: 0,
    submittedBytes: 0n,
    acceptedBytes: 0n,
    attributedAmount: 0n,
    createdBlock: event.block.number,
    createdAt: event.block.timestamp,
    createdTx: event.transaction.hash,
  });
  await bumpProtocol(context.db, { datanetCount: 1 });
});

ponder.on("DatanetRegistry:DatanetLimitsUpdated", async ({ event, context }) => {
  await noteDeposit(event, context, "DatanetRegistry:DatanetLimitsUpdated");
  await context.db.update(datanet, { id: event.args.datanetId }).set({
    maxBytesPerDay: event.args.maxBytesPerDay,
    maxContributionsPerDay: BigInt(event.args.maxContributionsPerDay),
  });
});

ponder.on("DatanetRegistry:DatanetMetadataUpdated", async ({ event, context }) => {
  await noteDeposit(event, context, "DatanetRegistry:DatanetMetadataUpdated");
  await context.db.update(datanet, { id: event.args.datanetId }).set({
    metadataURI: displayText(event.args.metadataURI),
    metadataURIHex: datanetMetadataStrings(event.log.data).metadataURI!,
  });
});

ponder.on("DatanetRegistry:DatanetOwnershipTransferred", async ({ event, context }) => {
  await noteDeposit(event, context, "DatanetRegistry:DatanetOwnershipTransferred");
  await context.db.update(datanet, { id: event.args.datanetId }).set({ owner: lower(event.args.newOwner) });
});

ponder.on("DatanetRegistry:ContributionSubmitted", async ({ event, context }) => {
  await noteDeposit(event, context, "DatanetRegistry:ContributionSubmitted");
  const a = event.args;
  const raw = contributionStrings(event.log.data);
  await context.db.insert(contribution).values({
    id: a.contributionId,
    datanetId: a.datanetId,
    contributor: lower(a.contributor),
    dataRoot: a.dataRoot,
    byteSize: a.byteSize,
    chunkCount: BigInt(a.chunkCount),
    license: displayText(a.license),
    metadataURI: displayText(a.metadataURI),
    licenseHex: raw.license!,
    metadataURIHex: raw.metadataURI!,
    day: a.day,
    status: "pending",
    finalizedByOwner: null,
    finalizedEpoch: null,
    attestationCount: 0,
    attributionCount: 0,
    attributedWeight: 0n,
    attributedAmount: 0n,
    submittedBlock: event.block.number,
    submittedAt: event.block.timestamp,
    submittedTx: event.transaction.hash,
  });
  await context.db.insert(contributionStatusChange).values({
    id: event.id,
    contributionId: a.contributionId,
    status: "pending",
    previousStatus: null,
    byOwner: false,
    epoch: null,
    ...eventMeta(event),
  });
  await context.db.update(datanet, { id: a.datanetId }).set((row) => ({
    contributionCount: row.contributionCount + 1,
    pendingCount: row.pendingCount + 1,
    submittedBytes: row.submittedBytes + a.byteSize,
  }));
  await bumpAccount(context.db, a.contributor, { contributionCount: 1 });
  await bumpProtocol(context.db, { contributionCount: 1 });
});

ponder.on("DatanetRegistry:ContributionFinalized", async ({ event, context }) => {
  await noteDeposit(event, context, "DatanetRegistry:ContributionFinalized");
  const a = event.args;
  const status = decodeContributionStatus(a.status);
  const previous = decodeContributionStatus(a.previousStatus);
  await context.db.update(contribution, { id: a.contributionId }).set({
    status,
    finalizedByOwner: a.byOwner,
    finalizedEpoch: a.byOwner ? null : a.epoch,
  });
  await context.db.insert(contributionStatusChange).values({
    id: event.id,
    contributionId: a.contributionId,
    status,
    previousStatus: previous,
    byOwner: a.byOwner,
    epoch: a.byOwner ? null : a.epoch,
    ...eventMeta(event),
  });
  // An owner may flip Accepted <-> Rejected after quorum: move the counts and bytes, never double them.
  const count = (s: ContributionStatus) => (s === status ? 1 : 0) - (s === previous ? 1 : 0);
  const acceptedBytesDelta = BigInt(count("accepted")) * a.byteSize;
  await context.db.update(datanet, { id: a.datanetId }).set((row) => ({
    pendingCount: row.pendingCount + count("pending"),
    acceptedCount: row.acceptedCount + count("accepted"),
    rejectedCount: row.rejectedCount + count("rejected"),
    acceptedBytes: row.acceptedBytes + acceptedBytesDelta,
  }));
  if (acceptedBytesDelta !== 0n) {
    await bumpAccount(context.db, a.contributor, { acceptedBytes: acceptedBytesDelta });
    await bumpProtocol(context.db, { acceptedBytes: acceptedBytesDelta });
  }
});
