import type { Abi } from "viem";
import type { TxSubmitter } from "./tx/createTxSubmitter.ts";
import { TxFailedError } from "./tx/txErrors.ts";
import type { CallSender } from "./workerTypes.ts";

/**
 * Adapts the transaction submitter to the worker loop's needs: at most one transaction per key, and an
 * outcome instead of an exception for a call the contract refuses (the loop decides what that means).
 * `satisfiedBy` lists revert names that mean "already done" (e.g. AlreadyAttested after a crash).
 */
export function createCallSender(
  submitter: TxSubmitter,
  errorAbi: Abi,
  satisfiedBy: readonly string[],
): CallSender {
  return {
    async send({ key, to, data, value, gas }) {
      try {
        const outcome = await submitter.submit({
          key,
          to,
          data,
          ...(value !== undefined ? { value } : {}),
          ...(gas !== undefined ? { gas } : {}),
          errorAbi,
          isSatisfied: (revert) => satisfiedBy.includes(revert.errorName),
        });
        if (outcome.status === "satisfied")
          return { status: "failed", error: outcome.errorName, errorName: outcome.errorName };
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
        if (error instanceof TxFailedError)
          return { status: "failed", error: error.shortMessage, errorName: error.errorName };
        throw error;
      }
    },
  };
}
