import { setTimeout as sleep } from "node:timers/promises";
import {
  type Abi,
  type Address,
  type Chain,
  type Hex,
  isAddress,
  type LocalAccount,
  type PublicClient,
} from "viem";
import type { Common } from "../../../config/common/createCommon.ts";
import { BaseError, isRetryable, NonRetryableUserError } from "../../../config/errors/BaseError.ts";
import { firstLine } from "../../../config/errors/firstLine.ts";
import type { WorkerDb } from "../db/createWorkerDb.ts";
import type { TxIntent } from "../db/workerDatabase.ts";
import { type BackoffOptions, backoffDelay } from "./backoffDelay.ts";
import { createIntentStore } from "./createIntentStore.ts";
import { createTxSteps, type SubmitOutcome, type SubmitPolicy, type TxStep } from "./createTxSteps.ts";
import type { TxRevert } from "./txErrors.ts";
import { defaultTxSubmitterOptions, type TxSubmitterOptions } from "./txSubmitterOptions.ts";

export type { SubmitOutcome, TxStep } from "./createTxSteps.ts";

export type TxSubmitterParameters = Partial<Omit<TxSubmitterOptions, "backoff">> & {
  db: WorkerDb;
  publicClient: PublicClient;
  account: LocalAccount;
  chain: Chain;
  /** Overrides of `defaultTxSubmitterOptions.backoff`. */
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
  /**
   * The last block the transaction is of use in (kept on the intent). It is not signed when the next block
   * is past it; the intent then ends failed with `InclusionTooLate`.
   */
  includeBy?: bigint;
  /**
   * Called once the transaction is broadcast (or found already broadcast or mined), before `submit` waits
   * for its confirmations: a caller can move on and let the confirmation settle in the background.
   */
  onSent?: () => void;
  errorAbi?: Abi;
  isSatisfied?: (revert: TxRevert) => boolean;
  signal?: AbortSignal;
};

export type RecoverReturnType = { resumed: number; confirmed: number; satisfied: number; failed: number };

export type TxSubmitter = {
  /**
   * Gets `to.call(data)` mined exactly once for `key` and resolves with its receipt once `confirmations`
   * deep (a mined revert resolves too: check `receipt.status`). Retries transport and database failures
   * until `signal` or shutdown aborts; rejects with TxFailedError when the simulation reverts.
   */
  submit(parameters: SubmitParameters): Promise<SubmitOutcome>;
  /** Drives every unfinished intent of this account to its end: call once at startup. */
  recover(): Promise<RecoverReturnType>;
  /** The durable state of `key`, or undefined if it was never submitted. */
  intent(key: string): Promise<TxIntent | undefined>;
  /** The failure every submission is currently retrying, if any (the RPC or the database is down). */
  failing(): TxFailing | undefined;
};

export type TxFailing = { source: "rpc" | "db"; error: string; sinceMs: number };

/**
 * The driver of the crash-safe submitter: one loop per key that steps its intent (`createTxSteps.ts`) over
 * the durable rows (`createIntentStore.ts`) until it ends, retrying RPC and database failures with backoff.
 * Defaults and the reason for each: `txSubmitterOptions.ts`.
 */
export function createTxSubmitter(common: Common, parameters: TxSubmitterParameters): TxSubmitter {
  const options: TxSubmitterOptions = {
    confirmations: parameters.confirmations ?? defaultTxSubmitterOptions.confirmations,
    bumpAfterBlocks: parameters.bumpAfterBlocks ?? defaultTxSubmitterOptions.bumpAfterBlocks,
    maxFeePerGas: parameters.maxFeePerGas ?? defaultTxSubmitterOptions.maxFeePerGas,
    pollingIntervalMs: parameters.pollingIntervalMs ?? defaultTxSubmitterOptions.pollingIntervalMs,
    gasHeadroomPercent: parameters.gasHeadroomPercent ?? defaultTxSubmitterOptions.gasHeadroomPercent,
    backoff: { ...defaultTxSubmitterOptions.backoff, ...parameters.backoff },
  };
  const store = createIntentStore(parameters.db, {
    chainId: BigInt(parameters.chain.id),
    account: parameters.account.address,
  });
  const steps = createTxSteps(common, { ...parameters, store, options });
  const logger = common.logger.child({ component: "tx" });
  const inflight = new Map<string, Promise<SubmitOutcome>>();
  // Per in-flight key: callers waiting to hear it is broadcast, and whether it is.
  const sentListeners = new Map<string, Array<() => void>>();
  const sentKeys = new Set<string>();
  function markSent(key: string) {
    if (sentKeys.has(key) || !inflight.has(key)) return;
    sentKeys.add(key);
    for (const listener of sentListeners.get(key) ?? []) listener();
    sentListeners.delete(key);
  }
  // Any step that succeeds clears it: one healthy round trip proves the RPC and the database answer.
  let failing: TxFailing | undefined;
  const metrics = {
    retries: common.metrics.counter("worker_tx_retries_total", "Retryable failures, by source.", ["source"]),
    inFlight: common.metrics.gauge("worker_tx_in_flight", "Intents this process is driving."),
  };

  async function drive(
    key: string,
    policy: SubmitPolicy,
    signal: AbortSignal,
    create: SubmitParameters | undefined,
  ): Promise<SubmitOutcome> {
    const startedAt = Date.now();
    let failures = 0;
    let created = create === undefined;
    for (;;) {
      signal.throwIfAborted();
      try {
        if (!created && create) {
          await store.ensure(create);
          created = true;
        }
        const intent = await store.load(key);
        if (!intent) throw new Error("Intent to recover does not exist.");
        if (intent.status === "sent" || intent.status === "mined" || intent.status === "confirmed")
          markSent(key);
        const result = await steps.advance(intent, policy, startedAt);
        failures = 0;
        failing = undefined;
        if (typeof result === "object") return result.done;
        if (result === "wait") await sleep(options.pollingIntervalMs, undefined, { signal });
      } catch (error) {
        if (!isRetryable(error)) throw error;
        failures++;
        const source = error instanceof Error && error.name === "TxRpcError" ? "rpc" : "db";
        metrics.retries.inc({ source });
        const delayMs = backoffDelay(failures, options.backoff);
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

  function run(
    key: string,
    policy: SubmitPolicy,
    signal: AbortSignal | undefined,
    create?: SubmitParameters,
  ) {
    const onSent = create?.onSent;
    if (onSent) {
      if (sentKeys.has(key)) onSent();
      else sentListeners.set(key, [...(sentListeners.get(key) ?? []), onSent]);
    }
    const existing = inflight.get(key);
    if (existing) return existing;
    const combined = signal ? AbortSignal.any([signal, common.shutdown.signal]) : common.shutdown.signal;
    metrics.inFlight.inc();
    const promise = drive(key, policy, combined, create).finally(() => {
      inflight.delete(key);
      sentKeys.delete(key);
      sentListeners.delete(key);
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
      const open = await store.openKeys();
      if (open.length > 0) logger.info({ msg: "Resuming unfinished transactions", count: open.length });
      const policy = { errorAbi: parameters.errorAbi, isSatisfied: parameters.isSatisfied };
      const results = await Promise.allSettled(open.map((key) => run(key, policy, undefined)));
      const summary: RecoverReturnType = { resumed: open.length, confirmed: 0, satisfied: 0, failed: 0 };
      for (const result of results) {
        if (result.status === "rejected") summary.failed++;
        else summary[result.value.status]++;
      }
      return summary;
    },
    intent: (key) => store.load(key),
    failing: () => failing,
  };
}
