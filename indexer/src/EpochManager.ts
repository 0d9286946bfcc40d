import { ponder } from "ponder:registry";
import {
  attestation,
  contribution,
  epoch,
  heartbeat,
  inference,
  pointsChange,
  pointsRootVote,
  subjectFinalization,
  worker,
  workerEpoch,
} from "ponder:schema";
import type { Hex } from "viem";
import { decodePointsReason } from "../../contracts/enums/pointsReason.ts";
import { decodeSubjectKind, SUBJECT_KIND } from "../../contracts/enums/subjectKind.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { bumpProtocol, type Db, eventMeta, lower, noteDeposit } from "./context.ts";
import { displayText, rawStringsOf } from "./exactText.ts";

const registeredStrings = rawStringsOf(epochManagerAbi, "WorkerRegistered");
const peerIdStrings = rawStringsOf(epochManagerAbi, "WorkerPeerIdUpdated");

// The contract emits kinds 0 and 1 only; anything else is stored as a contribution, never dropped.
const kindOf = (code: number) => decodeSubjectKind(code) ?? SUBJECT_KIND.contribution;

async function bumpWorkerEpoch(
  db: Db,
  e: bigint,
  w: Hex,
  delta: { points?: bigint; agreements?: number; dissents?: number; heartbeats?: number },
) {
  const d = { points: 0n, agreements: 0, dissents: 0, heartbeats: 0, ...delta };
  await db
    .insert(workerEpoch)
    .values({ epoch: e, worker: w, ...d })
    .onConflictDoUpdate((row) => ({
      points: row.points + d.points,
      agreements: row.agreements + d.agreements,
      dissents: row.dissents + d.dissents,
      heartbeats: row.heartbeats + d.heartbeats,
    }));
}

type EpochRow = typeof epoch.$inferSelect;
type EpochCounts = Pick<EpochRow, "attestationCount" | "finalizedCount" | "heartbeatCount">;

/**
 * Every epoch event goes through here, so none assumes another came first: EpochManager lets workers' votes close
 * an epoch that was never started (no transaction touched the contract during it), and nothing in the
 * contract orders EpochStarted before the rest for readers that start mid-way. The row is created on first
 * sight with `started: false`; `set` fills in what the event knows and `counts` add up.
 */
async function upsertEpoch(db: Db, id: bigint, set: Partial<EpochRow>, counts: Partial<EpochCounts> = {}) {
  const zero: EpochCounts = { attestationCount: 0, finalizedCount: 0, heartbeatCount: 0 };
  await db
    .insert(epoch)
    .values({
      id,
      started: false,
      closed: false,
      ...zero,
      ...counts,
      ...set,
    })
    .onConflictDoUpdate((row) => ({
      ...set,
      attestationCount: row.attestationCount + (counts.attestationCount ?? 0),
      finalizedCount: row.finalizedCount + (counts.finalizedCount ?? 0),
      heartbeatCount: row.heartbeatCount + (counts.heartbeatCount ?? 0),
    }));
}

ponder.on("EpochManager:EpochStarted", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:EpochStarted");
  const a = event.args;
  await upsertEpoch(context.db, a.epoch, {
    started: true,
    seed: a.seed,
    activeWorkers: a.activeWorkers,
    validatorsPerSubject: a.validatorsPerSubject,
    threshold: a.threshold,
    quorum: a.quorum,
    startBlock: a.startBlock,
    seededAtBlock: a.seededAtBlock,
    startedAt: event.block.timestamp,
  });
});

ponder.on("EpochManager:EpochClosed", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:EpochClosed");
  const a = event.args;
  await upsertEpoch(context.db, a.epoch, {
    closed: true,
    pointsRoot: a.pointsRoot,
    totalPoints: a.totalPoints,
    closedBlock: event.block.number,
    closedAt: event.block.timestamp,
    closedTx: event.transaction.hash,
    closedBy: lower(a.closedBy),
  });
});

// Every vote, also for candidates that never reach quorum and after the close; no epoch row is created for
// it (a vote for an epoch nothing else touched leaves the epoch table alone, like the chain's getEpoch).
ponder.on("EpochManager:PointsRootAttested", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:PointsRootAttested");
  const a = event.args;
  await context.db.insert(pointsRootVote).values({
    id: event.id,
    epoch: a.epoch,
    worker: lower(a.worker),
    pointsRoot: a.pointsRoot,
    totalPoints: a.totalPoints,
    votes: Number(a.votes),
    ...eventMeta(event),
  });
});

ponder.on("EpochManager:WorkerRegistered", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:WorkerRegistered");
  const a = event.args;
  const values = {
    peerId: displayText(a.peerId),
    peerIdHex: registeredStrings(event.log.data).peerId!,
    stake: a.stake,
    activeFromEpoch: a.activeFromEpoch,
    lastActiveEpoch: null,
    withdrawn: false,
    registeredBlock: event.block.number,
    registeredAt: event.block.timestamp,
    registeredTx: event.transaction.hash,
  };
  // A worker that withdrew may register again: keep its history and totals.
  await context.db
    .insert(worker)
    .values({
      address: lower(a.worker),
      ...values,
      totalPoints: 0n,
      attestationCount: 0,
      agreements: 0,
      dissents: 0,
      heartbeatCount: 0,
      creditedHeartbeats: 0,
    })
    .onConflictDoUpdate(values);
  await bumpProtocol(context.db, { workerCount: 1 });
});

ponder.on("EpochManager:WorkerPeerIdUpdated", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:WorkerPeerIdUpdated");
  await context.db.update(worker, { address: lower(event.args.worker) }).set({
    peerId: displayText(event.args.peerId),
    peerIdHex: peerIdStrings(event.log.data).peerId!,
  });
});

ponder.on("EpochManager:WorkerExitRequested", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:WorkerExitRequested");
  await context.db
    .update(worker, { address: lower(event.args.worker) })
    .set({ lastActiveEpoch: event.args.lastActiveEpoch });
});

ponder.on("EpochManager:StakeWithdrawn", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:StakeWithdrawn");
  await context.db.update(worker, { address: lower(event.args.worker) }).set({ withdrawn: true, stake: 0n });
  await bumpProtocol(context.db, { workerCount: -1 });
});

ponder.on("EpochManager:Attested", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:Attested");
  const a = event.args;
  const kind = kindOf(a.kind);
  await context.db.insert(attestation).values({
    id: event.id,
    epoch: a.epoch,
    kind,
    subjectId: a.subjectId,
    worker: lower(a.worker),
    verdict: Number(a.verdict),
    score: BigInt(a.score),
    resultHash: a.resultHash,
    acceptVotes: Number(a.acceptVotes),
    rejectVotes: Number(a.rejectVotes),
    ...eventMeta(event),
  });
  await context.db
    .update(worker, { address: lower(a.worker) })
    .set((row) => ({ attestationCount: row.attestationCount + 1 }));
  await upsertEpoch(context.db, a.epoch, {}, { attestationCount: 1 });
  if (kind === SUBJECT_KIND.contribution) {
    await context.db
      .update(contribution, { id: a.subjectId })
      .set((row) => ({ attestationCount: row.attestationCount + 1 }));
  } else {
    await context.db
      .update(inference, { id: a.subjectId })
      .set((row) => ({ attestationCount: row.attestationCount + 1 }));
  }
});

ponder.on("EpochManager:SubjectFinalized", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:SubjectFinalized");
  const a = event.args;
  await context.db.insert(subjectFinalization).values({
    id: event.id,
    epoch: a.epoch,
    kind: kindOf(a.kind),
    subjectId: a.subjectId,
    verdict: Number(a.verdict),
    acceptVotes: Number(a.acceptVotes),
    rejectVotes: Number(a.rejectVotes),
    applied: a.applied,
    ...eventMeta(event),
  });
  await upsertEpoch(context.db, a.epoch, {}, { finalizedCount: 1 });
});

ponder.on("EpochManager:PointsChanged", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:PointsChanged");
  const a = event.args;
  const reason = decodePointsReason(a.reason);
  const w = lower(a.worker);
  await context.db.insert(pointsChange).values({
    id: event.id,
    epoch: a.epoch,
    worker: w,
    reason,
    kind: Number(a.kind),
    subjectId: a.subjectId,
    delta: a.delta,
    total: a.total,
    ...eventMeta(event),
  });
  await bumpWorkerEpoch(context.db, a.epoch, w, {
    points: a.delta,
    agreements: reason === "agree" ? 1 : 0,
    dissents: reason === "dissent" ? 1 : 0,
  });
  await context.db.update(worker, { address: w }).set((row) => ({
    totalPoints: row.totalPoints + a.delta,
    agreements: row.agreements + (reason === "agree" ? 1 : 0),
    dissents: row.dissents + (reason === "dissent" ? 1 : 0),
  }));
});

ponder.on("EpochManager:Heartbeat", async ({ event, context }) => {
  await noteDeposit(event, context, "EpochManager:Heartbeat");
  const a = event.args;
  const w = lower(a.worker);
  await context.db.insert(heartbeat).values({
    id: event.id,
    epoch: a.epoch,
    worker: w,
    window: a.window,
    credited: a.credited,
    ...eventMeta(event),
  });
  await bumpWorkerEpoch(context.db, a.epoch, w, { heartbeats: 1 });
  await context.db.update(worker, { address: w }).set((row) => ({
    heartbeatCount: row.heartbeatCount + 1,
    creditedHeartbeats: row.creditedHeartbeats + (a.credited ? 1 : 0),
  }));
  await upsertEpoch(context.db, a.epoch, {}, { heartbeatCount: 1 });
});
