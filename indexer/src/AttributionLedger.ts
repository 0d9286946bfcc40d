import { type Event, ponder } from "ponder:registry";
import {
  attribution,
  contribution,
  datanet,
  inference,
  model,
  rewardAccrual,
  rewardClaim,
} from "ponder:schema";
import { eq } from "ponder";
import { decodeInferenceStatus } from "../../contracts/enums/inferenceStatus.ts";
import { attributionFoldKey, createAttributionFold, sumShares } from "../aggregates/attributionFold.ts";
import { bumpAccount, bumpProtocol, type Db, eventMeta, getProtocol, lower, noteDeposit } from "./context.ts";
import { recordAdminEvent } from "./recordAdminEvent.ts";

ponder.on("AttributionLedger:TreasurySet", async ({ event, context }) => {
  await recordAdminEvent(event, context, "AttributionLedger", "TreasurySet");
  await bumpProtocol(context.db, {}, { treasury: lower(event.args.treasury) });
});

ponder.on("AttributionLedger:ValidatorPoolSet", async ({ event, context }) => {
  await recordAdminEvent(event, context, "AttributionLedger", "ValidatorPoolSet");
  await bumpProtocol(context.db, {}, { validatorPool: lower(event.args.validatorPool) });
});

type InferenceRecordedEvent = Event<"AttributionLedger:InferenceRecorded">;

// AttributionRecorded (one per entry) precedes InferenceRecorded in the same transaction.
const fold = createAttributionFold();

ponder.on("AttributionLedger:AttributionRecorded", async ({ event, context }) => {
  await noteDeposit(event, context, "AttributionLedger:AttributionRecorded");
  const a = event.args;
  await context.db.insert(attribution).values({
    id: `${a.inferenceId}-${a.contributionId}`,
    inferenceId: a.inferenceId,
    contributionId: a.contributionId,
    contributor: lower(a.contributor),
    datanetId: a.datanetId,
    modelId: a.modelId,
    weight: a.weight,
    amount: a.amount,
    ...eventMeta(event),
  });
  await context.db.update(contribution, { id: a.contributionId }).set((row) => ({
    attributionCount: row.attributionCount + 1,
    attributedWeight: row.attributedWeight + a.weight,
    attributedAmount: row.attributedAmount + a.amount,
  }));
  // The Datanet's and the contributor's sums are added once per inference, by InferenceRecorded.
  fold.add(attributionFoldKey(event.block.hash, event.transaction.hash, a.inferenceId), event.log.logIndex, {
    datanetId: a.datanetId,
    contributor: lower(a.contributor),
    amount: a.amount,
  });
});

/** Adds the inference's attributions to their Datanets' `attributedAmount` and their contributors' earnings. */
async function creditAttributions(event: InferenceRecordedEvent, db: Db) {
  const a = event.args;
  const key = attributionFoldKey(event.block.hash, event.transaction.hash, a.inferenceId);
  const shares =
    fold.take(key, Number(a.entryCount)) ??
    (await db.sql
      .select({
        datanetId: attribution.datanetId,
        contributor: attribution.contributor,
        amount: attribution.amount,
      })
      .from(attribution)
      .where(eq(attribution.inferenceId, a.inferenceId)));
  const { byDatanet, byContributor } = sumShares(shares);
  for (const [id, amount] of byDatanet) {
    await db.update(datanet, { id }).set((row) => ({ attributedAmount: row.attributedAmount + amount }));
  }
  for (const [contributor, amount] of byContributor) {
    if (amount === 0n) continue;
    await bumpAccount(db, contributor, { contributorEarned: amount, totalEarned: amount, claimable: amount });
  }
}

ponder.on("AttributionLedger:InferenceRecorded", async ({ event, context }) => {
  await noteDeposit(event, context, "AttributionLedger:InferenceRecorded");
  await creditAttributions(event, context.db);
  const a = event.args;
  await context.db.insert(inference).values({
    id: a.inferenceId,
    modelId: a.modelId,
    payer: lower(a.payer),
    developer: lower(a.developer),
    outputRoot: a.outputRoot,
    attributionHash: a.attributionHash,
    corpusBlock: a.corpusBlock,
    tokensIn: a.tokensIn,
    tokensOut: a.tokensOut,
    fee: a.fee,
    platformFee: a.platformFee,
    developerAmount: a.developerAmount,
    validatorAmount: a.validatorAmount,
    contributorAmount: a.contributorAmount,
    entryCount: Number(a.entryCount),
    status: "recorded",
    outcomeEpoch: null,
    attestationCount: 0,
    recordedBlock: event.block.number,
    recordedAt: event.block.timestamp,
    recordedTx: event.transaction.hash,
  });
  await context.db.update(model, { id: a.modelId }).set((row) => ({
    inferenceCount: row.inferenceCount + 1,
    totalFees: row.totalFees + a.fee,
    developerAmount: row.developerAmount + a.developerAmount,
  }));
  const p = await getProtocol(context.db);
  // The ledger credits these three; contributor credits came with AttributionRecorded.
  const credits = [
    { role: "developer", to: lower(a.developer), amount: a.developerAmount, field: "developerEarned" },
    { role: "validators", to: p.validatorPool, amount: a.validatorAmount, field: "validatorPoolEarned" },
    { role: "platform", to: p.treasury, amount: a.platformFee, field: "platformEarned" },
  ] as const;
  for (const c of credits) {
    if (c.amount === 0n || !c.to) continue;
    await context.db.insert(rewardAccrual).values({
      id: `${a.inferenceId}-${c.role}`,
      account: c.to,
      inferenceId: a.inferenceId,
      role: c.role,
      amount: c.amount,
      ...eventMeta(event),
    });
    await bumpAccount(context.db, c.to, { [c.field]: c.amount, totalEarned: c.amount, claimable: c.amount });
  }
  await bumpProtocol(context.db, {
    inferenceCount: 1,
    totalFees: a.fee,
    totalContributorAmount: a.contributorAmount,
  });
});

ponder.on("AttributionLedger:InferenceOutcome", async ({ event, context }) => {
  await noteDeposit(event, context, "AttributionLedger:InferenceOutcome");
  await context.db.update(inference, { id: event.args.inferenceId }).set({
    status: decodeInferenceStatus(event.args.status),
    outcomeEpoch: event.args.epoch,
  });
});

ponder.on("AttributionLedger:Claimed", async ({ event, context }) => {
  await noteDeposit(event, context, "AttributionLedger:Claimed");
  const a = event.args;
  await context.db.insert(rewardClaim).values({
    id: event.id,
    account: lower(a.account),
    caller: lower(a.caller),
    amount: a.amount,
    ...eventMeta(event),
  });
  await bumpAccount(context.db, a.account, { claimed: a.amount, claimable: -a.amount });
});
