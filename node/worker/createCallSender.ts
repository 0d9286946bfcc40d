import type { Abi } from "viem";
import { isAlreadyDone, revertMeaning } from "./revertMeaning.ts";
import type { TxSubmitter } from "./tx/createTxSubmitter.ts";
import { TxFailedError } from "./tx/txErrors.ts";
import type { CallOutcome, CallSender } from "./workerTypes.ts";

/**
 * Adapts the transaction submitter to the worker loop's needs: at most one transaction per key, and an
 * outcome instead of an exception for a call the contract refuses, settled by the one revert rule
 * (`revertMeaning.ts`): already done, too late (expired), or failed.
 */
export function createCallSender(submitter: TxSubmitter, errorAbi: Abi): CallSender {
  return {
    async send({ key, call, gas, includeBy, onSent }): Promise<CallOutcome> {
      try {
        const outcome = await submitter.submit({
          key,
          to: call.to,
          data: call.data,
          ...(call.value !== undefined ? { value: call.value } : {}),
          ...(gas !== undefined ? { gas } : {}),
          ...(includeBy !== undefined ? { includeBy } : {}),
          ...(onSent !== undefined ? { onSent } : {}),
          errorAbi,
          isSatisfied: isAlreadyDone,
        });
        if (outcome.status === "satisfied") return { status: "done", errorName: outcome.errorName };
        if (outcome.receipt.status !== "success") {
          return {
            status: "failed",
            txHash: outcome.hash,
            error: "transaction reverted on-chain",
            errorName: "Reverted",
          };
        }
        return { status: "confirmed", txHash: outcome.hash };
      } catch (error) {
        if (!(error instanceof TxFailedError)) throw error;
        // An intent an earlier run recorded as failed is settled by today's rule, not by what was stored.
        const meaning = revertMeaning(error.errorName);
        if (meaning === "done") return { status: "done", errorName: error.errorName };
        return { status: meaning, error: error.shortMessage, errorName: error.errorName };
      }
    },
  };
}
