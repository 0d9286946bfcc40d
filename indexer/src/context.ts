import type { Context } from "ponder:registry";
import { account, depositTransaction, protocol } from "ponder:schema";
import type { Hex } from "viem";
import { depositFields } from "../opStack/depositFields.ts";

/** Helpers shared by the handlers. Ponder executes this file too; it registers nothing. */
export type Db = Context["db"];

const PROTOCOL_ID = "protocol";

type ProtocolRow = typeof protocol.$inferSelect;
type AccountRow = typeof account.$inferSelect;
type Numeric<T> = { [K in keyof T as T[K] extends bigint | number ? K : never]?: T[K] };

const emptyProtocol: ProtocolRow = {
  id: PROTOCOL_ID,
  datanetCount: 0,
  contributionCount: 0,
  acceptedBytes: 0n,
  modelCount: 0,
  inferenceCount: 0,
  totalFees: 0n,
  totalContributorAmount: 0n,
  workerCount: 0,
  treasury: null,
  validatorPool: null,
  feeSchedule: null,
  epochParams: null,
  weiPerPoint: null,
  distributorFunded: 0n,
};

/**
 * The new values of the counters `delta` names, and only those. Runs several times per event during backfill, on
 * the row Ponder hands an update (a copy-on-write proxy): reading just these keys is cheap, while spreading the
 * whole row walks every column through the proxy (and clones it whole once it meets a JSON column).
 */
function sums<T extends Record<string, unknown>>(
  row: T,
  delta: Record<string, bigint | number | undefined>,
): Partial<T> {
  const next: Record<string, unknown> = {};
  for (const k in delta) {
    const v = delta[k];
    if (v === undefined) continue;
    next[k] = typeof v === "bigint" ? (row[k] as bigint) + v : (row[k] as number) + v;
  }
  return next as Partial<T>;
}

/** Adds to the protocol-wide counters (creating the singleton on first use). */
export async function bumpProtocol(db: Db, delta: Numeric<ProtocolRow>, set: Partial<ProtocolRow> = {}) {
  await db
    .insert(protocol)
    .values({ ...emptyProtocol, ...sums(emptyProtocol, delta), ...set })
    .onConflictDoUpdate((row) => ({ ...sums(row, delta), ...set }));
}

export async function getProtocol(db: Db): Promise<ProtocolRow> {
  return (await db.find(protocol, { id: PROTOCOL_ID })) ?? emptyProtocol;
}

function emptyAccount(address: Hex): AccountRow {
  return {
    address,
    contributionCount: 0,
    acceptedBytes: 0n,
    contributorEarned: 0n,
    developerEarned: 0n,
    validatorPoolEarned: 0n,
    platformEarned: 0n,
    totalEarned: 0n,
    claimed: 0n,
    claimable: 0n,
    airdropClaimed: 0n,
  };
}

/** Adds to an account's counters (creating it on first use). */
export async function bumpAccount(db: Db, address: Hex, delta: Numeric<AccountRow>) {
  const addr = address.toLowerCase() as Hex;
  const empty = emptyAccount(addr);
  await db
    .insert(account)
    .values({ ...empty, ...sums(empty, delta) })
    .onConflictDoUpdate((row) => sums(row, delta));
}

type EventLike = {
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: Hex; type: string; transactionIndex: number };
  log: { logIndex: number };
};

/** The columns every one-row-per-event table has (ponder.schema.ts eventColumns). */
export const eventMeta = (event: EventLike) => ({
  blockNumber: event.block.number,
  timestamp: event.block.timestamp,
  transactionHash: event.transaction.hash,
  logIndex: event.log.logIndex,
});

/**
 * Records an OP Stack deposit transaction the first time one of its protocol events is indexed. Ponder's
 * transaction object has type "deposit" but drops sourceHash, mint and isSystemTx, so the full transaction
 * is read through Ponder's cached client (one RPC call per deposit, cached across restarts).
 */
export async function noteDeposit(event: EventLike, context: Context, eventName: string) {
  if (event.transaction.type !== "deposit") return;
  const existing = await context.db.find(depositTransaction, { hash: event.transaction.hash });
  if (existing) return;
  const raw = await context.client.request({
    method: "eth_getTransactionByHash",
    params: [event.transaction.hash],
  });
  const fields = depositFields(raw as Record<string, unknown> | null);
  if (!fields) return;
  await context.db.insert(depositTransaction).values({
    hash: fields.hash,
    blockNumber: event.block.number,
    transactionIndex: event.transaction.transactionIndex,
    from: fields.from,
    to: fields.to,
    sourceHash: fields.sourceHash,
    mint: fields.mint,
    value: fields.value,
    gas: fields.gas,
    isSystemTx: fields.isSystemTx,
    firstEvent: eventName,
  });
}

export const lower = (a: Hex) => a.toLowerCase() as Hex;
