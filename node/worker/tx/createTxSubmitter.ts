import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import {
  type Abi,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  isAddress,
  keccak256,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import type { Common } from "../../../config/common/createCommon.ts";
import { BaseError, isRetryable, NonRetryableUserError } from "../../../config/errors/BaseError.ts";
import { firstLine } from "../../../config/errors/firstLine.ts";
import type { WorkerDb } from "../db/createWorkerDb.ts";
import type { TxAttempt, TxIntent } from "../db/workerDatabase.ts";
import { type BackoffOptions, backoffDelay } from "./backoffDelay.ts";
import { bumpFees, type Fees, initialFees } from "./bumpFees.ts";
import {
  asRevert,
  asRpcError,
  classifyBroadcastError,
  TxFailedError,
  TxKeyConflictError,
  type TxRevert,
} from "./txErrors.ts";

/** Points between durable steps; `onStep` sees each (the kill -9 tests crash the process there). */
export type TxStep =
  | "before-sign"
  | "after-persist-signed"
  | "after-broadcast"
  | "after-receipt-before-persist";

export type TxSubmitterParameters = {
  db: WorkerDb;
  publicClient: PublicClient;
  account: LocalAccount;
  chain: Chain;
  /** Blocks a receipt must be deep (1 = its own block) before the intent is confirmed. */
  confirmations?: number;
  /** Blocks without a receipt before the transaction is replaced with higher fees. */
  bumpAfterBlocks?: number;
  /** Ceiling on maxFeePerGas, bumps included (config `worker.maxFeePerGasGwei`). */
  maxFeePerGas?: bigint;
  pollingIntervalMs?: number;
  /** Added to eth_estimateGas, in percent, because state may change between estimate and inclusion. */
  gasHeadroomPercent?: number;
  backoff?: Partial<BackoffOptions>;
  /** Custom errors to decode simulated reverts with (e.g. the EpochManager ABI). */
  errorAbi?: Abi;
  /** A revert that means the goal is already reached (e.g. `AlreadyAttested`): the intent ends satisfied. */
  isSatisfied?: (revert: TxRevert) => boolean;
  /** Sees each durable step with its intent's key (the kill -9 tests crash the process at one). */
  onStep?: (step: TxStep, key: string) => void | Promise<void>;
};

export type SubmitParameters = {
  /** Idempotency key, e.g. `attest:<epoch>:<kind>:<subject>`. Never logged. */
  key: string;
  to: Address;
  data?: Hex;
  value?: bigint;
  gas?: bigint;
  errorAbi?: Abi;
  isSatisfied?: (revert: TxRevert) => boolean;
  signal?: AbortSignal;
};

export type TxOutcome =
  | { status: "confirmed"; hash: Hash; receipt: TransactionReceipt }
  | { status: "satisfied"; errorName: string };

export type RecoverReturnType = { resumed: number; confirmed: number; satisfied: number; failed: number };

export type TxSubmitter = {
  /**
   * Gets `to.call(data)` mined exactly once for `key` and resolves with its receipt once `confirmations`
   * deep (a mined revert resolves too: check `receipt.status`). Retries transport and database failures
   * until `signal` or shutdown aborts; rejects with TxFailedError when the simulation reverts.
   */
  submit(parameters: SubmitParameters): Promise<TxOutcome>;
  /** Drives every unfinished intent of this account to its end: call once at startup. */
  recover(): Promise<RecoverReturnType>;
  /** The durable state of `key`, or undefined if it was never submitted. */
  intent(key: string): Promise<TxIntent | undefined>;
  /** The failure every submission is currently retrying, if any (the RPC or the database is down). */
  failing(): TxFailing | undefined;
};

export type TxFailing = { source: "rpc" | "db"; error: string; sinceMs: number };

type Policy = { errorAbi: Abi | undefined; isSatisfied: ((revert: TxRevert) => boolean) | undefined };
type StepResult = "progress" | "wait" | { done: TxOutcome };

const OPEN_STATUSES = ["pending", "signed", "sent", "mined"] as const;

export function createTxSubmitter(common: Common, parameters: TxSubmitterParameters): TxSubmitter {
  const { db, publicClient, account, chain } = parameters;
  const confirmations = BigInt(Math.max(1, parameters.confirmations ?? 3));
  const bumpAfterBlocks = BigInt(Math.max(1, parameters.bumpAfterBlocks ?? 3));
  const feeCap = parameters.maxFeePerGas ?? 100_000_000_000n;
  const pollingIntervalMs = parameters.pollingIntervalMs ?? 1_000;
  const headroom = BigInt(parameters.gasHeadroomPercent ?? 20);
  const backoff: BackoffOptions = { initialMs: 250, maxMs: 15_000, ...parameters.backoff };
  const address = account.address.toLowerCase();
  const chainId = BigInt(chain.id);
  const logger = common.logger.child({ component: "tx" });
  const inflight = new Map<string, Promise<TxOutcome>>();
  // Any step that succeeds clears it: one healthy round trip proves the RPC and the database answer.
  let failing: TxFailing | undefined;

  const metrics = {
    outcomes: common.metrics.counter("worker_tx_outcomes_total", "Intents ended, by outcome.", ["outcome"]),
    broadcasts: common.metrics.counter("worker_tx_broadcasts_total", "Raw transactions sent to the L2."),
    bumps: common.metrics.counter("worker_tx_fee_bumps_total", "Replacements signed with higher fees."),
    reorgs: common.metrics.counter("worker_tx_reorgs_total", "Mined transactions reorged out and re-sent."),
    retries: common.metrics.counter("worker_tx_retries_total", "Retryable failures, by source.", ["source"]),
    inFlight: common.metrics.gauge("worker_tx_in_flight", "Intents this process is driving."),
    latency: common.metrics.histogram(
      "worker_tx_confirmation_seconds",
      "From submit to a confirmed receipt.",
      [1, 2, 5, 10, 30, 60, 120, 300, 900],
    ),
  };

  async function step(name: TxStep, intent: TxIntent) {
    await parameters.onStep?.(name, intent.key);
  }

  async function rpc<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw asRpcError(what, error);
    }
  }

  async function receiptOrUndefined(hash: Hash): Promise<TransactionReceipt | undefined> {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return undefined;
      throw asRpcError("eth_getTransactionReceipt", error);
    }
  }

  const intentRef = (intent: TxIntent) => ({ intent: String(intent.id) });

  async function setIntent(id: bigint, values: Record<string, unknown>) {
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

  async function attemptsOf(intent: TxIntent): Promise<TxAttempt[]> {
    return db
      .selectFrom("tx_attempts")
      .selectAll()
      .where("intent_id", "=", intent.id)
      .orderBy("created_at", "desc")
      .execute();
  }

  async function estimateFees(): Promise<Fees> {
    const fees = await rpc("eth_feeHistory", () =>
      publicClient.estimateFeesPerGas({ chain, type: "eip1559" }),
    );
    return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
  }

  /** Signs a transaction for `intent` at `nonce` and persists it; broadcasting comes after, from the row. */
  async function signAttempt(intent: TxIntent, nonce: bigint, gas: bigint, fees: Fees) {
    const raw = await account.signTransaction(
      {
        type: "eip1559",
        chainId: chain.id,
        nonce: Number(nonce),
        to: intent.to_address as Address,
        data: intent.data as Hex,
        value: BigInt(intent.value),
        gas,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      },
      chain.serializers?.transaction ? { serializer: chain.serializers.transaction } : undefined,
    );
    return { raw, hash: keccak256(raw) };
  }

  /** pending → simulate → (failed | satisfied | signed). The nonce is taken and the signed tx stored in one DB transaction. */
  async function prepare(intent: TxIntent, policy: Policy): Promise<StepResult> {
    const request = {
      account: account.address,
      to: intent.to_address as Address,
      data: intent.data as Hex,
      value: BigInt(intent.value),
    };
    let gas = intent.gas === null ? undefined : BigInt(intent.gas);
    try {
      await publicClient.call({ ...request, gas });
      gas ??= ((await publicClient.estimateGas(request)) * (100n + headroom)) / 100n;
    } catch (error) {
      const revert = asRevert(error, policy.errorAbi);
      if (!revert) throw asRpcError("simulation", error);
      const satisfied = policy.isSatisfied?.(revert) ?? false;
      await setIntent(intent.id, {
        status: satisfied ? "satisfied" : "failed",
        error_name: revert.errorName,
        error: revert.message,
      });
      metrics.outcomes.inc({ outcome: satisfied ? "satisfied" : "failed" });
      logger.warn({
        msg: satisfied ? "Simulation reverted; caller counts it as done" : "Simulation reverted; not sending",
        ...intentRef(intent),
        errorName: revert.errorName,
      });
      return "progress";
    }
    const fees = initialFees(await estimateFees(), feeCap);
    const chainNonce = BigInt(
      await rpc("eth_getTransactionCount", () =>
        publicClient.getTransactionCount({ address: account.address, blockTag: "pending" }),
      ),
    );
    await step("before-sign", intent);
    const signedGas = gas;
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
      const nonce = stored.next_nonce > chainNonce ? stored.next_nonce : chainNonce;
      const { raw, hash } = await signAttempt(intent, nonce, signedGas, fees);
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
        .set({ status: "signed", nonce, gas: signedGas, updated_at: sql<Date>`now()` })
        .where("id", "=", intent.id)
        .execute();
      await trx
        .updateTable("tx_nonces")
        .set({ next_nonce: nonce + 1n })
        .where("chain_id", "=", chainId)
        .where("account", "=", address)
        .execute();
    });
    await step("after-persist-signed", intent);
    return "progress";
  }

  /** signed → sent: (re-)broadcasts the newest attempt. Sending the same bytes twice is harmless. */
  async function broadcast(intent: TxIntent): Promise<StepResult> {
    const [latest] = await attemptsOf(intent);
    if (!latest) throw new Error(`Intent ${intent.id} is signed but has no attempt.`);
    const head = await rpc("eth_blockNumber", () => publicClient.getBlockNumber({ cacheTime: 0 }));
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: latest.raw as Hex });
      metrics.broadcasts.inc();
    } catch (error) {
      const kind = classifyBroadcastError(error);
      // nonceTooLow: mined already (ours, found by watch) or taken by another tx (watch re-signs).
      // underpriced: a pricier tx holds the nonce, or the fee is under the base fee; watch bumps again
      // after bumpAfterBlocks.
      if (kind === "other") throw asRpcError("eth_sendRawTransaction", error);
      logger.debug({ msg: "Broadcast answered", ...intentRef(intent), answer: kind });
    }
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable("tx_attempts")
        .set({ broadcast_block: head })
        .where("hash", "=", latest.hash)
        .execute();
      await trx
        .updateTable("tx_intents")
        .set({ status: "sent", attempts: sql<number>`attempts + 1`, updated_at: sql<Date>`now()` })
        .where("id", "=", intent.id)
        .execute();
    });
    await step("after-broadcast", intent);
    return "progress";
  }

  /** sent/mined → confirmed, or back to signed (reorged out, fee bump) or pending (nonce taken elsewhere). */
  async function watch(intent: TxIntent, startedAt: number): Promise<StepResult> {
    const attempts = await attemptsOf(intent);
    const head = await rpc("eth_blockNumber", () => publicClient.getBlockNumber({ cacheTime: 0 }));
    for (const attempt of attempts) {
      const receipt = await receiptOrUndefined(attempt.hash as Hash);
      if (!receipt) continue;
      const block = await rpc("eth_getBlockByNumber", () =>
        publicClient.getBlock({ blockNumber: receipt.blockNumber }),
      );
      if (block.hash !== receipt.blockHash) continue; // a stale receipt from a block no longer canonical
      if (head - receipt.blockNumber + 1n >= confirmations) {
        await step("after-receipt-before-persist", intent);
        await setIntent(intent.id, {
          status: "confirmed",
          mined_hash: receipt.transactionHash,
          mined_block_number: receipt.blockNumber,
          mined_block_hash: receipt.blockHash,
        });
        metrics.outcomes.inc({ outcome: receipt.status === "success" ? "confirmed" : "reverted" });
        metrics.latency.observe((Date.now() - startedAt) / 1000);
        logger.info({
          msg: "Transaction confirmed",
          ...intentRef(intent),
          hash: receipt.transactionHash,
          block: String(receipt.blockNumber),
          status: receipt.status,
          attempts: attempts.length,
        });
        return { done: { status: "confirmed", hash: receipt.transactionHash, receipt } };
      }
      if (intent.status !== "mined" || intent.mined_block_hash !== receipt.blockHash)
        await setIntent(intent.id, {
          status: "mined",
          mined_hash: receipt.transactionHash,
          mined_block_number: receipt.blockNumber,
          mined_block_hash: receipt.blockHash,
        });
      return "wait";
    }
    if (intent.status === "mined") {
      metrics.reorgs.inc();
      logger.warn({
        msg: "Mined transaction reorged out; re-broadcasting",
        ...intentRef(intent),
        hash: intent.mined_hash,
      });
      await setIntent(intent.id, {
        status: "signed",
        mined_hash: null,
        mined_block_number: null,
        mined_block_hash: null,
      });
      return "progress";
    }
    const [latest] = attempts;
    if (!latest || intent.nonce === null) throw new Error(`Intent ${intent.id} is sent but has no attempt.`);
    // The nonce is used, deep enough not to be reorged, by none of our hashes: sign again with a new one.
    const settled = head + 1n - confirmations;
    if (settled >= 0n) {
      const used = await rpc("eth_getTransactionCount", () =>
        publicClient.getTransactionCount({ address: account.address, blockNumber: settled }),
      );
      // Looked up again after the count: a receipt the node indexed in between must not be missed.
      const ours = await Promise.all(attempts.map((a) => receiptOrUndefined(a.hash as Hash)));
      if (BigInt(used) > intent.nonce && ours.every((r) => r === undefined)) {
        logger.warn({ msg: "Nonce taken by another transaction; re-signing", ...intentRef(intent) });
        await setIntent(intent.id, { status: "pending", nonce: null });
        return "progress";
      }
    }
    if (latest.broadcast_block !== null && head - latest.broadcast_block < bumpAfterBlocks) return "wait";
    const previous = {
      maxFeePerGas: BigInt(latest.max_fee_per_gas),
      maxPriorityFeePerGas: BigInt(latest.max_priority_fee_per_gas),
    };
    const fees = bumpFees(previous, await estimateFees(), feeCap);
    if (!fees) {
      logger.warn({ msg: "Fee cap reached; re-broadcasting without a bump", ...intentRef(intent) });
      await setIntent(intent.id, { status: "signed" });
      return "progress";
    }
    const { raw, hash } = await signAttempt(intent, intent.nonce, BigInt(intent.gas ?? 0), fees);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto("tx_attempts")
        .values({
          hash,
          intent_id: intent.id,
          nonce: intent.nonce as bigint,
          raw,
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
    metrics.bumps.inc();
    logger.info({
      msg: "Replacing stuck transaction with higher fees",
      ...intentRef(intent),
      maxFeePerGas: String(fees.maxFeePerGas),
      maxPriorityFeePerGas: String(fees.maxPriorityFeePerGas),
    });
    await step("after-persist-signed", intent);
    return "progress";
  }

  async function advance(intent: TxIntent, policy: Policy, startedAt: number): Promise<StepResult> {
    switch (intent.status) {
      case "pending":
        return prepare(intent, policy);
      case "signed":
        return broadcast(intent);
      case "sent":
      case "mined":
        return watch(intent, startedAt);
      case "confirmed": {
        const receipt = await receiptOrUndefined(intent.mined_hash as Hash);
        if (receipt) return { done: { status: "confirmed", hash: receipt.transactionHash, receipt } };
        // Confirmed, then reorged deeper than `confirmations`: get it mined again rather than lose it.
        metrics.reorgs.inc();
        await setIntent(intent.id, { status: "signed" });
        return "progress";
      }
      case "satisfied":
        return { done: { status: "satisfied", errorName: intent.error_name ?? "" } };
      case "failed":
        throw new TxFailedError(intent.error_name ?? "an unknown error", intent.error ?? undefined);
    }
  }

  async function load(key: string): Promise<TxIntent | undefined> {
    return db.selectFrom("tx_intents").selectAll().where("key", "=", key).executeTakeFirst();
  }

  async function ensureIntent(request: SubmitParameters): Promise<TxIntent> {
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
  }

  async function drive(
    key: string,
    policy: Policy,
    signal: AbortSignal,
    create: SubmitParameters | undefined,
  ): Promise<TxOutcome> {
    const startedAt = Date.now();
    let failures = 0;
    let created = create === undefined;
    for (;;) {
      signal.throwIfAborted();
      try {
        if (!created && create) {
          await ensureIntent(create);
          created = true;
        }
        const intent = await load(key);
        if (!intent) throw new Error("Intent to recover does not exist.");
        const result = await advance(intent, policy, startedAt);
        failures = 0;
        failing = undefined;
        if (typeof result === "object") return result.done;
        if (result === "wait") await sleep(pollingIntervalMs, undefined, { signal });
      } catch (error) {
        if (!isRetryable(error)) throw error;
        failures++;
        const source = error instanceof Error && error.name === "TxRpcError" ? "rpc" : "db";
        metrics.retries.inc({ source });
        const delayMs = backoffDelay(failures, backoff);
        const message = firstLine(error);
        failing = { source, error: message, sinceMs: failing?.sinceMs ?? Date.now() };
        logger.warn({
          msg: "Transaction step failed; retrying",
          source,
          failures,
          delayMs,
          error: message,
          details: error instanceof BaseError ? error.details : undefined,
        });
        await sleep(delayMs, undefined, { signal });
      }
    }
  }

  function run(key: string, policy: Policy, signal: AbortSignal | undefined, create?: SubmitParameters) {
    const existing = inflight.get(key);
    if (existing) return existing;
    const combined = signal ? AbortSignal.any([signal, common.shutdown.signal]) : common.shutdown.signal;
    metrics.inFlight.inc();
    const promise = drive(key, policy, combined, create).finally(() => {
      inflight.delete(key);
      metrics.inFlight.dec();
      if (inflight.size === 0) failing = undefined;
    });
    inflight.set(key, promise);
    return promise;
  }

  return {
    submit(request) {
      if (typeof request.key !== "string" || request.key.length === 0 || request.key.length > 512)
        return Promise.reject(
          new NonRetryableUserError(
            "A transaction key must be a non-empty string of at most 512 characters.",
            {
              hint: "Use a stable key such as attest:<epoch>:<kind>:<subject>.",
            },
          ),
        );
      if (!isAddress(request.to, { strict: false }))
        return Promise.reject(
          new NonRetryableUserError(`"${request.to}" is not an address.`, {
            hint: "Pass the contract's 0x-prefixed 20-byte address.",
          }),
        );
      return run(
        request.key,
        {
          errorAbi: request.errorAbi ?? parameters.errorAbi,
          isSatisfied: request.isSatisfied ?? parameters.isSatisfied,
        },
        request.signal,
        request,
      );
    },
    async recover() {
      const open = await db
        .selectFrom("tx_intents")
        .select(["key"])
        .where("chain_id", "=", chainId)
        .where("account", "=", address)
        .where("status", "in", [...OPEN_STATUSES])
        .orderBy("id")
        .execute();
      if (open.length > 0) logger.info({ msg: "Resuming unfinished transactions", count: open.length });
      const policy = { errorAbi: parameters.errorAbi, isSatisfied: parameters.isSatisfied };
      const results = await Promise.allSettled(open.map((row) => run(row.key, policy, undefined)));
      const summary: RecoverReturnType = { resumed: open.length, confirmed: 0, satisfied: 0, failed: 0 };
      for (const result of results) {
        if (result.status === "rejected") summary.failed++;
        else summary[result.value.status]++;
      }
      return summary;
    },
    intent: load,
    failing: () => failing,
  };
}
