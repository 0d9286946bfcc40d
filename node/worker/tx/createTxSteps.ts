import {
  type Abi,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  parseTransaction,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import type { Common } from "../../../config/common/createCommon.ts";
import type { TxAttempt, TxIntent } from "../db/workerDatabase.ts";
import { bumpFees, type Fees, initialFees } from "./bumpFees.ts";
import type { IntentStore, SignedTx } from "./createIntentStore.ts";
import {
  asRevert,
  asRpcError,
  classifyBroadcastError,
  INCLUSION_TOO_LATE,
  TxFailedError,
  type TxRevert,
} from "./txErrors.ts";
import type { TxSubmitterOptions } from "./txSubmitterOptions.ts";

/** A 0-value transfer to an account without code: the intrinsic gas, nothing more. */
const CANCEL_GAS = 21_000n;

/** Points between durable steps; `onStep` sees each (the kill -9 tests crash the process there). */
export type TxStep =
  | "before-sign"
  | "after-persist-signed"
  | "after-broadcast"
  | "after-receipt-before-persist";

/** What `submit` resolves with: a receipt `confirmations` deep, or the caller's "already done". */
export type SubmitOutcome =
  | { status: "confirmed"; hash: Hash; receipt: TransactionReceipt }
  | { status: "satisfied"; errorName: string };

/** Per submission: how to decode a simulated revert, and which reverts mean the goal is already reached. */
export type SubmitPolicy = {
  errorAbi: Abi | undefined;
  isSatisfied: ((revert: TxRevert) => boolean) | undefined;
};

/** One step's result: moved on (step again now), nothing to do until the chain moves, or finished. */
export type StepResult = "progress" | "wait" | { done: SubmitOutcome };

export type TxStepsParameters = {
  store: IntentStore;
  publicClient: PublicClient;
  account: LocalAccount;
  chain: Chain;
  options: Pick<
    TxSubmitterOptions,
    "confirmations" | "bumpAfterBlocks" | "maxFeePerGas" | "gasHeadroomPercent"
  >;
  onStep?: (step: TxStep, key: string) => void | Promise<void>;
};

export type TxSteps = {
  /** Takes the intent one step along its state machine (see README.md), from what its row says. */
  advance(intent: TxIntent, policy: SubmitPolicy, startedAt: number): Promise<StepResult>;
};

/**
 * The transaction state machine's steps, each from the durable row to the next durable row: the row always
 * runs ahead of the outside world, so a crash between any two steps resumes from the row.
 */
export function createTxSteps(common: Common, parameters: TxStepsParameters): TxSteps {
  const { store, publicClient, account, chain } = parameters;
  const confirmations = BigInt(Math.max(1, parameters.options.confirmations));
  const bumpAfterBlocks = BigInt(Math.max(1, parameters.options.bumpAfterBlocks));
  const feeCap = parameters.options.maxFeePerGas;
  const headroom = BigInt(parameters.options.gasHeadroomPercent);
  const logger = common.logger.child({ component: "tx" });
  const metrics = {
    outcomes: common.metrics.counter("worker_tx_outcomes_total", "Intents ended, by outcome.", ["outcome"]),
    broadcasts: common.metrics.counter("worker_tx_broadcasts_total", "Raw transactions sent to the L2."),
    bumps: common.metrics.counter("worker_tx_fee_bumps_total", "Replacements signed with higher fees."),
    cancels: common.metrics.counter(
      "worker_tx_cancels_total",
      "Calls replaced by a 0-value self-transfer at their nonce: they could no longer land by includeBy.",
    ),
    reorgs: common.metrics.counter("worker_tx_reorgs_total", "Mined transactions reorged out and re-sent."),
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

  async function estimateFees(): Promise<Fees> {
    const fees = await rpc("eth_feeHistory", () =>
      publicClient.estimateFeesPerGas({ chain, type: "eip1559" }),
    );
    return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
  }

  /** Signs a transaction for `intent` at `nonce`; storing it comes first, broadcasting after, from the row. */
  async function signAttempt(intent: TxIntent, nonce: bigint, gas: bigint, fees: Fees): Promise<SignedTx> {
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

  /**
   * The cancel of a call that can no longer land in time: a 0-value transfer to ourselves at its nonce, so the
   * nonce is used (later intents are not stuck behind a gap) and the call itself can never be mined after it.
   */
  async function signCancel(nonce: bigint, fees: Fees): Promise<SignedTx> {
    const raw = await account.signTransaction(
      {
        type: "eip1559",
        chainId: chain.id,
        nonce: Number(nonce),
        to: account.address,
        value: 0n,
        gas: CANCEL_GAS,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      },
      chain.serializers?.transaction ? { serializer: chain.serializers.transaction } : undefined,
    );
    return { raw, hash: keccak256(raw) };
  }

  const isSelf = (to: string | null | undefined) => to?.toLowerCase() === account.address.toLowerCase();
  /** Whether a stored attempt is the cancel (a call to ourselves is never an intent's own call: see below). */
  const isCancel = (attempt: TxAttempt) => isSelf(parseTransaction(attempt.raw as Hex).to);
  /** The next block is past the intent's includeBy: its call could only land too late (and revert there). */
  const pastIncludeBy = (intent: TxIntent, head: bigint) =>
    intent.include_by !== null && head + 1n > intent.include_by && !isSelf(intent.to_address);

  /**
   * Replaces the intent's signed call with its cancel at the same nonce and higher fees (a node replaces a
   * pending transaction only for more). False when the fee cap leaves no room: the call stays as it is.
   */
  async function replaceWithCancel(intent: TxIntent, latest: TxAttempt): Promise<boolean> {
    if (intent.nonce === null) throw new Error(`Intent ${intent.id} is signed but has no nonce.`);
    const previous = {
      maxFeePerGas: BigInt(latest.max_fee_per_gas),
      maxPriorityFeePerGas: BigInt(latest.max_priority_fee_per_gas),
    };
    // Never broadcast: nothing to outbid, the same fees do.
    const fees =
      latest.broadcast_block === null ? previous : bumpFees(previous, await estimateFees(), feeCap);
    if (!fees) {
      logger.warn({
        msg: "Too late to land in time, but the fee cap leaves no room to cancel",
        ...intentRef(intent),
      });
      return false;
    }
    const signed = await signCancel(intent.nonce, fees);
    await store.storeReplacement(intent, signed, fees);
    metrics.cancels.inc();
    logger.info({ msg: "Too late to land in time; cancelling at its nonce", ...intentRef(intent) });
    await step("after-persist-signed", intent);
    return true;
  }

  /** pending → simulate → (failed | satisfied | signed). The nonce is taken and the signed tx stored in one DB transaction. */
  async function prepare(intent: TxIntent, policy: SubmitPolicy): Promise<StepResult> {
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
      await store.set(intent.id, {
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
    // The simulation ran against the head; the transaction lands in a later block. When the next block is
    // already past the intent's last useful one, it could only revert there (an attestation in the next
    // epoch: WrongEpoch): not signed, so no nonce is taken and no gas is burnt. Checked last before signing,
    // so that the round trips above (slow on a busy machine) do not widen the window.
    if (intent.include_by !== null) {
      const head = await rpc("eth_blockNumber", () => publicClient.getBlockNumber({ cacheTime: 0 }));
      if (head + 1n > intent.include_by) {
        await store.set(intent.id, {
          status: "failed",
          error_name: INCLUSION_TOO_LATE,
          error: `the next block ${head + 1n} is past block ${intent.include_by}, the last one this call is of use in`,
        });
        metrics.outcomes.inc({ outcome: "too_late" });
        logger.info({ msg: "Too late to land in time; not sending", ...intentRef(intent) });
        return "progress";
      }
    }
    await step("before-sign", intent);
    const signedGas = gas;
    await store.signFirst(intent, { chainNonce, gas: signedGas, fees }, (nonce) =>
      signAttempt(intent, nonce, signedGas, fees),
    );
    await step("after-persist-signed", intent);
    return "progress";
  }

  /** signed → sent: (re-)broadcasts the newest attempt. Sending the same bytes twice is harmless. */
  async function broadcast(intent: TxIntent): Promise<StepResult> {
    const [latest] = await store.attempts(intent);
    if (!latest) throw new Error(`Intent ${intent.id} is signed but has no attempt.`);
    const head = await rpc("eth_blockNumber", () => publicClient.getBlockNumber({ cacheTime: 0 }));
    // Checked again right before sending: a block may have been sealed since the check before signing (a busy
    // machine takes that long between them), and the call would then land one block too late and revert.
    if (pastIncludeBy(intent, head) && !isCancel(latest) && (await replaceWithCancel(intent, latest)))
      return "progress";
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
    await store.markSent(intent, latest.hash, head);
    await step("after-broadcast", intent);
    return "progress";
  }

  /** sent/mined → confirmed, or back to signed (reorged out, fee bump) or pending (nonce taken elsewhere). */
  async function watch(intent: TxIntent, startedAt: number): Promise<StepResult> {
    const attempts = await store.attempts(intent);
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
        if (isSelf(receipt.to)) {
          // The cancel was mined: the call never was, and never can be (its nonce is used).
          await store.set(intent.id, {
            status: "failed",
            error_name: INCLUSION_TOO_LATE,
            error: `not mined by block ${intent.include_by}, the last one this call is of use in; cancelled at its nonce`,
            mined_hash: receipt.transactionHash,
            mined_block_number: receipt.blockNumber,
            mined_block_hash: receipt.blockHash,
          });
          metrics.outcomes.inc({ outcome: "too_late" });
          return "progress";
        }
        await store.set(intent.id, {
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
        await store.set(intent.id, {
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
      await store.set(intent.id, {
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
        await store.set(intent.id, { status: "pending", nonce: null });
        return "progress";
      }
    }
    // Still pending when the next block is past its last useful one: it could only be mined too late.
    if (pastIncludeBy(intent, head) && !isCancel(latest) && (await replaceWithCancel(intent, latest)))
      return "progress";
    if (latest.broadcast_block !== null && head - latest.broadcast_block < bumpAfterBlocks) return "wait";
    const previous = {
      maxFeePerGas: BigInt(latest.max_fee_per_gas),
      maxPriorityFeePerGas: BigInt(latest.max_priority_fee_per_gas),
    };
    const fees = bumpFees(previous, await estimateFees(), feeCap);
    if (!fees) {
      logger.warn({ msg: "Fee cap reached; re-broadcasting without a bump", ...intentRef(intent) });
      await store.set(intent.id, { status: "signed" });
      return "progress";
    }
    const signed = isCancel(latest)
      ? await signCancel(intent.nonce, fees)
      : await signAttempt(intent, intent.nonce, BigInt(intent.gas ?? 0), fees);
    await store.storeReplacement(intent, signed, fees);
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

  return {
    async advance(intent, policy, startedAt) {
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
          await store.set(intent.id, { status: "signed" });
          return "progress";
        }
        case "satisfied":
          return { done: { status: "satisfied", errorName: intent.error_name ?? "" } };
        case "failed":
          throw new TxFailedError(intent.error_name ?? "an unknown error", intent.error ?? undefined);
      }
    },
  };
}
