import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** int8 columns come back as bigint (createWorkerDb installs the parser); writes accept number too. */
type Int8 = ColumnType<bigint, bigint | number, bigint | number>;
type NullableInt8 = ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
/** uint256 amounts as numeric(78,0): pg returns them as decimal strings. */
type Uint256 = ColumnType<string, string | bigint, string | bigint>;
type NullableUint256 = ColumnType<string | null, string | bigint | null | undefined, string | bigint | null>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/**
 * A task's way: pending -> ready (verdict and report stored) -> submitting (attestation under its key) ->
 * confirmed, or expired (its moment passed) / failed. Migration 0003 retired `validating` and `submitted`,
 * which nothing ever wrote.
 */
export const TASK_STATUSES = ["pending", "ready", "submitting", "confirmed", "failed", "expired"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** One unit of work of the epoch loop: validate or re-check `subject_id` of `kind` in `epoch`, then attest. */
export type TaskTable = {
  id: Generated<bigint>;
  epoch: Int8;
  kind: string;
  /** Decimal string: subject ids are uint256 on-chain. */
  subject_id: string;
  status: ColumnType<TaskStatus, TaskStatus | undefined, TaskStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  verdict: number | null;
  score: NullableInt8;
  /** 0x-prefixed 32-byte hash of the canonical report. */
  report_hash: string | null;
  /** The canonical report as served over HTTP. */
  report: ColumnType<unknown, unknown, unknown> | null;
  tx_hash: string | null;
  error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export const TX_INTENT_STATUSES = [
  "pending",
  "signed",
  "sent",
  "mined",
  "confirmed",
  "failed",
  "satisfied",
] as const;
export type TxIntentStatus = (typeof TX_INTENT_STATUSES)[number];

/** A transaction the worker has promised to get mined exactly once, keyed by the caller's idempotency key. */
export type TxIntentTable = {
  id: Generated<bigint>;
  key: string;
  chain_id: Int8;
  account: string;
  to_address: string;
  data: string;
  value: Uint256;
  gas: NullableUint256;
  status: ColumnType<TxIntentStatus, TxIntentStatus | undefined, TxIntentStatus>;
  nonce: NullableInt8;
  attempts: ColumnType<number, number | undefined, number>;
  error_name: string | null;
  error: string | null;
  mined_hash: string | null;
  mined_block_number: NullableInt8;
  mined_block_hash: string | null;
  /** The last block in which the transaction is of use; never signed when the next block is past it. */
  include_by: NullableInt8;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

/** Every signed transaction of an intent (the first and each fee-bumped replacement), persisted before broadcast. */
export type TxAttemptTable = {
  hash: string;
  intent_id: Int8;
  nonce: Int8;
  raw: string;
  max_fee_per_gas: Uint256;
  max_priority_fee_per_gas: Uint256;
  /** Head block number when this attempt was last broadcast; null until the first broadcast. */
  broadcast_block: NullableInt8;
  created_at: CreatedAt;
};

/** The next nonce per (chain, account), advanced under a row lock so two submitters never share one. */
export type TxNonceTable = {
  chain_id: Int8;
  account: string;
  next_nonce: Int8;
};

export type WorkerDatabase = {
  tasks: TaskTable;
  tx_intents: TxIntentTable;
  tx_attempts: TxAttemptTable;
  tx_nonces: TxNonceTable;
};

export type Task = Selectable<TaskTable>;
export type NewTask = Insertable<TaskTable>;
export type TaskUpdate = Updateable<TaskTable>;
export type TxIntent = Selectable<TxIntentTable>;
export type TxAttempt = Selectable<TxAttemptTable>;
