import { index, onchainTable, type PgColumnsBuilders, primaryKey, relations } from "ponder";
import type { ContributionStatus } from "../contracts/enums/contributionStatus.ts";
import type { InferenceStatus } from "../contracts/enums/inferenceStatus.ts";
import type { SubjectKind } from "../contracts/enums/subjectKind.ts";

/**
 * Where an event row comes from, on every table that holds one row per event: a client can go from any row to
 * its transaction and log (`eth_getTransactionReceipt`, a block explorer) and order rows in chain order.
 */
const eventColumns = (t: PgColumnsBuilders) => ({
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  transactionHash: t.hex().notNull(),
  logIndex: t.integer().notNull(),
});

/**
 * The index of every attribution-related event. Rows that are one event each use Ponder's `event.id` as key:
 * it sorts in chain order, so it doubles as the cursor of every paginated list. Aggregates (counts, bytes,
 * earnings, points) are maintained by the handlers so the API never sums at query time.
 */

/** Singleton (id = "protocol"): protocol-wide totals and the ledger's payout addresses. */
export const protocol = onchainTable("protocol", (t) => ({
  id: t.text().primaryKey(),
  datanetCount: t.integer().notNull(),
  contributionCount: t.integer().notNull(),
  acceptedBytes: t.bigint().notNull(),
  modelCount: t.integer().notNull(),
  inferenceCount: t.integer().notNull(),
  totalFees: t.bigint().notNull(),
  totalContributorAmount: t.bigint().notNull(),
  workerCount: t.integer().notNull(),
  treasury: t.hex(),
  validatorPool: t.hex(),
  /** The latest AttributionLedger FeeScheduleUpdated, EpochManager ParamsUpdated (integers as strings). */
  feeSchedule: t.json().$type<Record<string, string>>(),
  epochParams: t.json().$type<Record<string, string>>(),
  /** PointsDistributor: wei paid per point, and everything sent to it (Funded). */
  weiPerPoint: t.bigint(),
  distributorFunded: t.bigint().notNull(),
}));

export const datanet = onchainTable(
  "datanet",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    name: t.text().notNull(),
    metadataURI: t.text().notNull(),
    format: t.text().notNull(),
    /** The exact bytes of name, metadataURI and format (the text columns are display text: see README). */
    nameHex: t.hex().notNull(),
    metadataURIHex: t.hex().notNull(),
    formatHex: t.hex().notNull(),
    maxChunkBytes: t.integer().notNull(),
    maxBytesPerDay: t.bigint().notNull(),
    // uint32 on-chain: beyond Postgres integer (int4) range, hence numeric.
    maxContributionsPerDay: t.bigint().notNull(),
    contributionCount: t.integer().notNull(),
    pendingCount: t.integer().notNull(),
    acceptedCount: t.integer().notNull(),
    rejectedCount: t.integer().notNull(),
    submittedBytes: t.bigint().notNull(),
    acceptedBytes: t.bigint().notNull(),
    /** Sum of the contributor payouts attributed to this Datanet's contributions. */
    attributedAmount: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdTx: t.hex().notNull(),
  }),
  // REST /datanets: each filter with the id order (owner), the block and time ranges, the transaction lookup.
  (t) => ({
    ownerIdx: index().on(t.owner, t.id),
    createdBlockIdx: index().on(t.createdBlock, t.id),
    createdAtIdx: index().on(t.createdAt, t.id),
    createdTxIdx: index().on(t.createdTx),
  }),
);

export const contribution = onchainTable(
  "contribution",
  (t) => ({
    id: t.bigint().primaryKey(),
    datanetId: t.bigint().notNull(),
    contributor: t.hex().notNull(),
    /** Merkle root over the contribution's chunk hashes (contracts/merkle/chunkTree.ts). */
    dataRoot: t.hex().notNull(),
    byteSize: t.bigint().notNull(),
    chunkCount: t.bigint().notNull(),
    license: t.text().notNull(),
    metadataURI: t.text().notNull(),
    licenseHex: t.hex().notNull(),
    metadataURIHex: t.hex().notNull(),
    day: t.bigint().notNull(),
    status: t.text().$type<ContributionStatus>().notNull(),
    finalizedByOwner: t.boolean(),
    finalizedEpoch: t.bigint(),
    attestationCount: t.integer().notNull(),
    /** Inferences that cited it, the sum of their weights (ppm) and of what it earned its contributor. */
    attributionCount: t.integer().notNull(),
    attributedWeight: t.bigint().notNull(),
    attributedAmount: t.bigint().notNull(),
    submittedBlock: t.bigint().notNull(),
    submittedAt: t.bigint().notNull(),
    submittedTx: t.hex().notNull(),
  }),
  (t) => ({
    datanetIdx: index().on(t.datanetId, t.id),
    contributorIdx: index().on(t.contributor, t.id),
    dataRootIdx: index().on(t.dataRoot),
    submittedTxIdx: index().on(t.submittedTx),
  }),
);

/** Every status a contribution went through: Pending at submission, then each finalization or override. */
export const contributionStatusChange = onchainTable(
  "contribution_status_change",
  (t) => ({
    id: t.text().primaryKey(),
    contributionId: t.bigint().notNull(),
    status: t.text().$type<ContributionStatus>().notNull(),
    previousStatus: t.text().$type<ContributionStatus>(),
    byOwner: t.boolean().notNull(),
    epoch: t.bigint(),
    ...eventColumns(t),
  }),
  (t) => ({ contributionIdx: index().on(t.contributionId, t.id), txIdx: index().on(t.transactionHash) }),
);

export const model = onchainTable(
  "model",
  (t) => ({
    id: t.bigint().primaryKey(),
    developer: t.hex().notNull(),
    baseModelHash: t.hex().notNull(),
    adapterHash: t.hex().notNull(),
    datanetIds: t.bigint().array().notNull(),
    metadataURI: t.text().notNull(),
    metadataURIHex: t.hex().notNull(),
    inferenceCount: t.integer().notNull(),
    totalFees: t.bigint().notNull(),
    developerAmount: t.bigint().notNull(),
    registeredBlock: t.bigint().notNull(),
    registeredAt: t.bigint().notNull(),
    registeredTx: t.hex().notNull(),
  }),
  (t) => ({
    developerIdx: index().on(t.developer, t.id),
    registeredBlockIdx: index().on(t.registeredBlock, t.id),
    registeredAtIdx: index().on(t.registeredAt, t.id),
    registeredTxIdx: index().on(t.registeredTx),
  }),
);

export const modelDatanet = onchainTable(
  "model_datanet",
  (t) => ({ modelId: t.bigint().notNull(), datanetId: t.bigint().notNull() }),
  (t) => ({ pk: primaryKey({ columns: [t.modelId, t.datanetId] }), datanetIdx: index().on(t.datanetId) }),
);

export const inference = onchainTable(
  "inference",
  (t) => ({
    id: t.bigint().primaryKey(),
    modelId: t.bigint().notNull(),
    payer: t.hex().notNull(),
    developer: t.hex().notNull(),
    outputRoot: t.hex().notNull(),
    attributionHash: t.hex().notNull(),
    /** The attribution's corpus: the model's Datanets' contributions Accepted at the end of this block. */
    corpusBlock: t.bigint().notNull(),
    tokensIn: t.bigint().notNull(),
    tokensOut: t.bigint().notNull(),
    fee: t.bigint().notNull(),
    platformFee: t.bigint().notNull(),
    developerAmount: t.bigint().notNull(),
    validatorAmount: t.bigint().notNull(),
    contributorAmount: t.bigint().notNull(),
    entryCount: t.integer().notNull(),
    status: t.text().$type<InferenceStatus>().notNull(),
    outcomeEpoch: t.bigint(),
    attestationCount: t.integer().notNull(),
    recordedBlock: t.bigint().notNull(),
    recordedAt: t.bigint().notNull(),
    recordedTx: t.hex().notNull(),
  }),
  (t) => ({
    modelIdx: index().on(t.modelId, t.id),
    payerIdx: index().on(t.payer, t.id),
    developerIdx: index().on(t.developer, t.id),
    statusIdx: index().on(t.status, t.id),
    recordedBlockIdx: index().on(t.recordedBlock, t.id),
    recordedAtIdx: index().on(t.recordedAt, t.id),
    recordedTxIdx: index().on(t.recordedTx),
    outputRootIdx: index().on(t.outputRoot),
  }),
);

/** One attribution entry of an inference: the contribution, its weight (ppm) and what its contributor got. */
export const attribution = onchainTable(
  "attribution",
  (t) => ({
    id: t.text().primaryKey(),
    inferenceId: t.bigint().notNull(),
    contributionId: t.bigint().notNull(),
    contributor: t.hex().notNull(),
    datanetId: t.bigint().notNull(),
    modelId: t.bigint().notNull(),
    weight: t.bigint().notNull(),
    amount: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({
    inferenceIdx: index().on(t.inferenceId),
    contributionIdx: index().on(t.contributionId, t.id),
    // Chain order within a contributor's attributions: inference ids ascend with the chain.
    contributorIdx: index().on(t.contributor, t.inferenceId, t.contributionId),
    txIdx: index().on(t.transactionHash),
  }),
);

/** What the AttributionLedger credited an account, by role, and what it paid out. */
export const account = onchainTable("account", (t) => ({
  address: t.hex().primaryKey(),
  contributionCount: t.integer().notNull(),
  acceptedBytes: t.bigint().notNull(),
  contributorEarned: t.bigint().notNull(),
  developerEarned: t.bigint().notNull(),
  validatorPoolEarned: t.bigint().notNull(),
  platformEarned: t.bigint().notNull(),
  totalEarned: t.bigint().notNull(),
  claimed: t.bigint().notNull(),
  /** totalEarned - claimed: equals AttributionLedger.claimable(address). */
  claimable: t.bigint().notNull(),
  airdropClaimed: t.bigint().notNull(),
}));

/** A developer, validator-pool or platform credit of one inference (contributor credits are `attribution`). */
export const rewardAccrual = onchainTable(
  "reward_accrual",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    inferenceId: t.bigint().notNull(),
    role: t.text().$type<"developer" | "validators" | "platform">().notNull(),
    amount: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({
    accountIdx: index().on(t.account, t.id),
    accountChainIdx: index().on(t.account, t.inferenceId),
    inferenceIdx: index().on(t.inferenceId),
    txIdx: index().on(t.transactionHash),
  }),
);

export const rewardClaim = onchainTable(
  "reward_claim",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    caller: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({ accountIdx: index().on(t.account, t.id), txIdx: index().on(t.transactionHash) }),
);

export const worker = onchainTable(
  "worker",
  (t) => ({
    address: t.hex().primaryKey(),
    peerId: t.text().notNull(),
    peerIdHex: t.hex().notNull(),
    stake: t.bigint().notNull(),
    activeFromEpoch: t.bigint().notNull(),
    /** Last epoch it is active in, once it asked to exit. */
    lastActiveEpoch: t.bigint(),
    withdrawn: t.boolean().notNull(),
    totalPoints: t.bigint().notNull(),
    attestationCount: t.integer().notNull(),
    agreements: t.integer().notNull(),
    dissents: t.integer().notNull(),
    heartbeatCount: t.integer().notNull(),
    creditedHeartbeats: t.integer().notNull(),
    registeredBlock: t.bigint().notNull(),
    registeredAt: t.bigint().notNull(),
    registeredTx: t.hex().notNull(),
  }),
  // REST /workers: chain order of registration (the keyset), per status, the ranges, the transaction lookup.
  (t) => ({
    registeredIdx: index().on(t.registeredBlock, t.address),
    statusIdx: index().on(t.withdrawn, t.registeredBlock, t.address),
    registeredAtIdx: index().on(t.registeredAt, t.registeredBlock),
    registeredTxIdx: index().on(t.registeredTx),
  }),
);

export const heartbeat = onchainTable(
  "heartbeat",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    worker: t.hex().notNull(),
    window: t.bigint().notNull(),
    credited: t.boolean().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({ workerIdx: index().on(t.worker, t.id), txIdx: index().on(t.transactionHash) }),
);

export const attestation = onchainTable(
  "attestation",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    kind: t.integer().$type<SubjectKind>().notNull(),
    subjectId: t.bigint().notNull(),
    worker: t.hex().notNull(),
    verdict: t.integer().notNull(),
    score: t.bigint().notNull(),
    resultHash: t.hex().notNull(),
    acceptVotes: t.integer().notNull(),
    rejectVotes: t.integer().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({
    subjectIdx: index().on(t.kind, t.subjectId, t.id),
    workerIdx: index().on(t.worker, t.id),
    epochIdx: index().on(t.epoch),
    txIdx: index().on(t.transactionHash),
  }),
);

export const subjectFinalization = onchainTable(
  "subject_finalization",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    kind: t.integer().$type<SubjectKind>().notNull(),
    subjectId: t.bigint().notNull(),
    verdict: t.integer().notNull(),
    acceptVotes: t.integer().notNull(),
    rejectVotes: t.integer().notNull(),
    applied: t.boolean().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({ subjectIdx: index().on(t.kind, t.subjectId), txIdx: index().on(t.transactionHash) }),
);

export const pointsChange = onchainTable(
  "points_change",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    worker: t.hex().notNull(),
    reason: t.text().$type<"agree" | "dissent" | "heartbeat">().notNull(),
    kind: t.integer().notNull(),
    subjectId: t.bigint().notNull(),
    delta: t.bigint().notNull(),
    total: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({ workerEpochIdx: index().on(t.worker, t.epoch), txIdx: index().on(t.transactionHash) }),
);

/**
 * An epoch, from its EpochStarted event, closed by EpochClosed when its workers' points-root votes reached quorum
 * (`points_root_vote` has every vote). An epoch nobody started (no transaction touched EpochManager during it) may
 * still be closed by those votes: its row then has `started: false` and no seed or assignment values.
 */
export const epoch = onchainTable(
  "epoch",
  (t) => ({
    id: t.bigint().primaryKey(),
    started: t.boolean().notNull(),
    seed: t.hex(),
    activeWorkers: t.bigint(),
    validatorsPerSubject: t.bigint(),
    threshold: t.bigint(),
    quorum: t.bigint(),
    startBlock: t.bigint(),
    seededAtBlock: t.bigint(),
    /** Block time of the EpochStarted and EpochClosed events. */
    startedAt: t.bigint(),
    attestationCount: t.integer().notNull(),
    finalizedCount: t.integer().notNull(),
    heartbeatCount: t.integer().notNull(),
    closed: t.boolean().notNull(),
    pointsRoot: t.hex(),
    totalPoints: t.bigint(),
    closedBlock: t.bigint(),
    closedAt: t.bigint(),
    closedTx: t.hex(),
    /** The worker whose vote brought the points root to quorum. */
    closedBy: t.hex(),
  }),
  // REST /epochs: status, the ranges, the transaction and pointsRoot lookups.
  (t) => ({
    closedIdx: index().on(t.closed, t.id),
    startBlockIdx: index().on(t.startBlock, t.id),
    startedAtIdx: index().on(t.startedAt, t.id),
    closedTxIdx: index().on(t.closedTx),
    pointsRootIdx: index().on(t.pointsRoot),
  }),
);

/**
 * One worker's vote on an ended epoch's points root (EpochManager.PointsRootAttested): the rebuilt root and total
 * it voted, and that candidate's votes after it. Candidates that never reach quorum stay here and nowhere else.
 */
export const pointsRootVote = onchainTable(
  "points_root_vote",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    worker: t.hex().notNull(),
    pointsRoot: t.hex().notNull(),
    totalPoints: t.bigint().notNull(),
    votes: t.integer().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({ epochIdx: index().on(t.epoch, t.pointsRoot), workerIdx: index().on(t.worker, t.epoch) }),
);

/** A worker's net points in an epoch (may be negative; the points tree clamps at zero). */
export const workerEpoch = onchainTable(
  "worker_epoch",
  (t) => ({
    epoch: t.bigint().notNull(),
    worker: t.hex().notNull(),
    points: t.bigint().notNull(),
    agreements: t.integer().notNull(),
    dissents: t.integer().notNull(),
    heartbeats: t.integer().notNull(),
  }),
  (t) => ({
    pk: primaryKey({ columns: [t.epoch, t.worker] }),
    // Matches the leaderboard's ORDER BY points DESC, worker ASC within an epoch.
    leaderboardIdx: index().on(t.epoch, t.points.desc(), t.worker),
    workerIdx: index().on(t.worker, t.epoch),
  }),
);

export const airdropClaim = onchainTable(
  "airdrop_claim",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    account: t.hex().notNull(),
    points: t.bigint().notNull(),
    amount: t.bigint().notNull(),
    caller: t.hex().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({ accountIdx: index().on(t.account, t.epoch), txIdx: index().on(t.transactionHash) }),
);

/**
 * OP Stack deposit transactions (type 0x7E) that emitted protocol events, with the fields Ponder's
 * transaction type drops: sourceHash, mint and isSystemTx.
 */
export const depositTransaction = onchainTable(
  "deposit_transaction",
  (t) => ({
    hash: t.hex().primaryKey(),
    blockNumber: t.bigint().notNull(),
    transactionIndex: t.integer().notNull(),
    from: t.hex().notNull(),
    to: t.hex(),
    sourceHash: t.hex().notNull(),
    mint: t.bigint().notNull(),
    value: t.bigint().notNull(),
    gas: t.bigint().notNull(),
    isSystemTx: t.boolean().notNull(),
    /** The first protocol event it emitted, e.g. "EpochManager:Heartbeat". */
    firstEvent: t.text().notNull(),
  }),
  (t) => ({ blockIdx: index().on(t.blockNumber) }),
);

/**
 * Governance and configuration events of every contract: fee schedule, epoch parameters, reward rate, funding,
 * treasury and validator pool, contract wiring (EpochManagerSet), ownership (Ownable2Step) and roles
 * (AccessControl). `args` holds the event's arguments by name, integers as decimal strings.
 */
export const adminEvent = onchainTable(
  "admin_event",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    address: t.hex().notNull(),
    name: t.text().notNull(),
    args: t.json().$type<Record<string, string | boolean>>().notNull(),
    ...eventColumns(t),
  }),
  (t) => ({ nameIdx: index().on(t.name, t.id), txIdx: index().on(t.transactionHash) }),
);

/** Each Ownable2Step contract's owner, and the pending owner of a transfer not yet accepted. */
export const contractOwner = onchainTable("contract_owner", (t) => ({
  address: t.hex().primaryKey(),
  contract: t.text().notNull(),
  owner: t.hex().notNull(),
  pendingOwner: t.hex(),
  updatedBlock: t.bigint().notNull(),
}));

/** AccessControl role holders (EpochManager): a row per (contract, role, account) ever granted. */
export const roleMember = onchainTable(
  "role_member",
  (t) => ({
    address: t.hex().notNull(),
    role: t.hex().notNull(),
    account: t.hex().notNull(),
    active: t.boolean().notNull(),
    updatedBlock: t.bigint().notNull(),
  }),
  (t) => ({ pk: primaryKey({ columns: [t.address, t.role, t.account] }) }),
);

export const datanetRelations = relations(datanet, ({ many }) => ({
  contributions: many(contribution),
  models: many(modelDatanet),
}));
export const contributionRelations = relations(contribution, ({ one, many }) => ({
  datanet: one(datanet, { fields: [contribution.datanetId], references: [datanet.id] }),
  statusHistory: many(contributionStatusChange),
  attributions: many(attribution),
}));
export const contributionStatusChangeRelations = relations(contributionStatusChange, ({ one }) => ({
  contribution: one(contribution, {
    fields: [contributionStatusChange.contributionId],
    references: [contribution.id],
  }),
}));
export const modelRelations = relations(model, ({ many }) => ({
  inferences: many(inference),
  datanets: many(modelDatanet),
}));
export const modelDatanetRelations = relations(modelDatanet, ({ one }) => ({
  model: one(model, { fields: [modelDatanet.modelId], references: [model.id] }),
  datanet: one(datanet, { fields: [modelDatanet.datanetId], references: [datanet.id] }),
}));
export const inferenceRelations = relations(inference, ({ one, many }) => ({
  model: one(model, { fields: [inference.modelId], references: [model.id] }),
  attributions: many(attribution),
  accruals: many(rewardAccrual),
}));
export const attributionRelations = relations(attribution, ({ one }) => ({
  inference: one(inference, { fields: [attribution.inferenceId], references: [inference.id] }),
  contribution: one(contribution, { fields: [attribution.contributionId], references: [contribution.id] }),
}));
export const rewardAccrualRelations = relations(rewardAccrual, ({ one }) => ({
  inference: one(inference, { fields: [rewardAccrual.inferenceId], references: [inference.id] }),
}));
export const workerRelations = relations(worker, ({ many }) => ({
  epochs: many(workerEpoch),
  attestations: many(attestation),
  heartbeats: many(heartbeat),
}));
// Relation names must not shadow columns in GraphQL (`worker` is the address column): hence the suffixes.
export const workerEpochRelations = relations(workerEpoch, ({ one }) => ({
  workerProfile: one(worker, { fields: [workerEpoch.worker], references: [worker.address] }),
  epochInfo: one(epoch, { fields: [workerEpoch.epoch], references: [epoch.id] }),
}));
export const attestationRelations = relations(attestation, ({ one }) => ({
  workerProfile: one(worker, { fields: [attestation.worker], references: [worker.address] }),
}));
export const heartbeatRelations = relations(heartbeat, ({ one }) => ({
  workerProfile: one(worker, { fields: [heartbeat.worker], references: [worker.address] }),
}));
export const epochRelations = relations(epoch, ({ many }) => ({ workers: many(workerEpoch) }));

/**
 * Singleton (id = "head"): the newest live block the index holds, with its hash, written by the IndexedBlock
 * block source in the same transaction as that block's events and reverted with them on a reorg — so its hash
 * names the fork the index reflects (GET /api/v1/status). The source starts at the head when the indexer
 * starts: blocks of the backfill are not recorded here (a per-block source from the deployment would fetch
 * every block of the chain).
 */
export const indexedBlock = onchainTable("indexed_block", (t) => ({
  id: t.text().primaryKey(),
  number: t.bigint().notNull(),
  hash: t.hex().notNull(),
  parentHash: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
}));
