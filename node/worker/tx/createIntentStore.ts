import { sql } from "kysely";
import type { Address, Hex } from "viem";
import type { WorkerDb } from "../db/createWorkerDb.ts";
import type { TxAttempt, TxIntent } from "../db/workerDatabase.ts";
import type { Fees } from "./bumpFees.ts";
import { TxKeyConflictError } from "./txErrors.ts";

/** A transaction signed for an intent: its bytes and hash, stored before anything is broadcast. */
export type SignedTx = { raw: Hex; hash: Hex };

export type NewIntent = {
  key: string;
  to: Address;
  data?: Hex;
  value?: bigint;
  gas?: bigint;
  includeBy?: bigint;
};

/** Intents that are not finished: `recover()` drives these. */
export const OPEN_INTENT_STATUSES = ["pending", "signed", "sent", "mined"] as const;

export type IntentStore = {
  load(key: string): Promise<TxIntent | undefined>;
  /** Inserts the intent unless its key exists; refuses a key already used for a different call. */
  ensure(request: NewIntent): Promise<TxIntent>;
  set(id: bigint, values: Record<string, unknown>): Promise<void>;
  /** Every signed attempt of the intent, newest first. */
  attempts(intent: TxIntent): Promise<TxAttempt[]>;
  /**
   * pending -> signed in one DB transaction: takes the next nonce under a row lock (the larger of the stored
   * counter and `chainNonce`), signs at it, stores the attempt and advances the counter. False when another
   * process moved the intent on first.
   */
  signFirst(
    intent: TxIntent,
    at: { chainNonce: bigint; gas: bigint; fees: Fees },
    sign: (nonce: bigint) => Promise<SignedTx>,
  ): Promise<boolean>;
  /** signed -> sent, remembering the head at which the attempt was broadcast. */
  markSent(intent: TxIntent, attemptHash: string, head: bigint): Promise<void>;
  /** A fee-bumped replacement at the same nonce: stored, and the intent back to signed for broadcast. */
  storeReplacement(intent: TxIntent, signed: SignedTx, fees: Fees): Promise<void>;
  /** Keys of this account's unfinished intents, oldest first. */
  openKeys(): Promise<string[]>;
};

/** The transaction submitter's durable rows (`tx_intents`, `tx_attempts`, `tx_nonces`) for one account. */
export function createIntentStore(
  db: WorkerDb,
  parameters: { chainId: bigint; account: Address },
): IntentStore {
  const { chainId } = parameters;
  const address = parameters.account.toLowerCase();

  const load = (key: string) =>
    db.selectFrom("tx_intents").selectAll().where("key", "=", key).executeTakeFirst();

  async function set(id: bigint, values: Record<string, unknown>) {
    // Revert reasons are node-supplied text and may hold NUL bytes, which Postgres text columns refuse.
    const clean = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v.replaceAll("\u0000", "\\0") : v]),
    );
    await db
      .updateTable("tx_intents")
      .set({ ...clean, updated_at: sql<Date>`now()` } as never)
      .where("id", "=", id)
      .execute();
  }

  return {
    load,
    set,
    attempts: (intent) =>
      db
        .selectFrom("tx_attempts")
        .selectAll()
        .where("intent_id", "=", intent.id)
        .orderBy("created_at", "desc")
        .execute(),

    async ensure(request) {
      const data = (request.data ?? "0x").toLowerCase();
      const to = request.to.toLowerCase();
      const value = request.value ?? 0n;
      await db
        .insertInto("tx_intents")
        .values({
          key: request.key,
          chain_id: chainId,
          account: address,
          to_address: to,
          data,
          value,
          gas: request.gas ?? null,
          include_by: request.includeBy ?? null,
        })
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
      const intent = await load(request.key);
      if (!intent) throw new Error("Intent vanished right after insert.");
      if (
        intent.to_address !== to ||
        intent.data !== data ||
        BigInt(intent.value) !== value ||
        intent.account !== address ||
        intent.chain_id !== chainId
      )
        throw new TxKeyConflictError("This idempotency key was already used for a different transaction.", {
          hint: "Derive the key from everything that makes the call unique (e.g. attest:<epoch>:<kind>:<subject>).",
          meta: { intent: String(intent.id) },
        });
      return intent;
    },

    async signFirst(intent, { chainNonce, gas, fees }, sign) {
      let signed = false;
      await db.transaction().execute(async (trx) => {
        const locked = await trx
          .selectFrom("tx_intents")
          .select("status")
          .where("id", "=", intent.id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        if (locked.status !== "pending") return; // another process got here first
        await trx
          .insertInto("tx_nonces")
          .values({ chain_id: chainId, account: address, next_nonce: 0n })
          .onConflict((oc) => oc.columns(["chain_id", "account"]).doNothing())
          .execute();
        const stored = await trx
          .selectFrom("tx_nonces")
          .select("next_nonce")
          .where("chain_id", "=", chainId)
          .where("account", "=", address)
          .forUpdate()
          .executeTakeFirstOrThrow();
        // The chain wins when the account was used elsewhere; the store wins over txs signed but not yet seen.
        // biome-ignore lint/complexity/useMathMinMax: bigints
        const nonce = stored.next_nonce > chainNonce ? stored.next_nonce : chainNonce;
        const { raw, hash } = await sign(nonce);
        await trx
          .insertInto("tx_attempts")
          .values({
            hash,
            intent_id: intent.id,
            nonce,
            raw,
            max_fee_per_gas: fees.maxFeePerGas,
            max_priority_fee_per_gas: fees.maxPriorityFeePerGas,
          })
          .execute();
        await trx
          .updateTable("tx_intents")
          .set({ status: "signed", nonce, gas, updated_at: sql<Date>`now()` })
          .where("id", "=", intent.id)
          .execute();
        await trx
          .updateTable("tx_nonces")
          .set({ next_nonce: nonce + 1n })
          .where("chain_id", "=", chainId)
          .where("account", "=", address)
          .execute();
        signed = true;
      });
      return signed;
    },

    async markSent(intent, attemptHash, head) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("tx_attempts")
          .set({ broadcast_block: head })
          .where("hash", "=", attemptHash)
          .execute();
        await trx
          .updateTable("tx_intents")
          .set({ status: "sent", attempts: sql<number>`attempts + 1`, updated_at: sql<Date>`now()` })
          .where("id", "=", intent.id)
          .execute();
      });
    },

    async storeReplacement(intent, signed, fees) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("tx_attempts")
          .values({
            hash: signed.hash,
            intent_id: intent.id,
            nonce: intent.nonce as bigint,
            raw: signed.raw,
            max_fee_per_gas: fees.maxFeePerGas,
            max_priority_fee_per_gas: fees.maxPriorityFeePerGas,
          })
          .onConflict((oc) => oc.column("hash").doNothing())
          .execute();
        await trx
          .updateTable("tx_intents")
          .set({ status: "signed", updated_at: sql<Date>`now()` })
          .where("id", "=", intent.id)
          .execute();
      });
    },

    async openKeys() {
      const rows = await db
        .selectFrom("tx_intents")
        .select(["key"])
        .where("chain_id", "=", chainId)
        .where("account", "=", address)
        .where("status", "in", [...OPEN_INTENT_STATUSES])
        .orderBy("id")
        .execute();
      return rows.map((r) => r.key);
    },
  };
}
