import { type Abi, decodeErrorResult, type Hex, BaseError as ViemBaseError } from "viem";
import { NonRetryableUserError, RetryableError } from "../../../config/errors/BaseError.ts";
import { revertData } from "../../../contracts/actions/protocolCall.ts";

/** A simulated call reverted: what the contract said, decoded against the ABI when it knows the error. */
export type TxRevert = { errorName: string; data: Hex | undefined; message: string };

/**
 * The error name an intent ends `failed` with when the next block is already past its `includeBy`: it was
 * never signed (a transaction that could only land too late would revert and waste its gas).
 */
export const INCLUSION_TOO_LATE = "InclusionTooLate";

/** The intent ended without a transaction: its simulation reverted (or an earlier run recorded that). */
export class TxFailedError extends NonRetryableUserError {
  override name = "TxFailedError";
  readonly errorName: string;
  constructor(errorName: string, details: string | undefined) {
    super(
      errorName === INCLUSION_TOO_LATE
        ? `The transaction could only land too late (${details}); it was not sent.`
        : `The transaction would revert with ${errorName}; it was not sent.`,
      {
        details,
        hint: "The contract refused the call: check its preconditions. The intent stays failed for this key.",
        meta: { errorName },
      },
    );
    this.errorName = errorName;
  }
}

/** The same key was submitted earlier with a different payload: a caller bug, never retried. */
export class TxKeyConflictError extends NonRetryableUserError {
  override name = "TxKeyConflictError";
}

/** The L2 RPC failed or is unreachable; the submitter retries it with backoff. */
export class TxRpcError extends RetryableError {
  override name = "TxRpcError";
}

function messages(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 16 && current instanceof Error; i++) {
    parts.push(current.message, (current as { details?: string }).details ?? "");
    current = current.cause;
  }
  return parts.join("\n");
}

export type BroadcastErrorKind = "alreadyKnown" | "nonceTooLow" | "underpriced" | "other";

/** Node answers to eth_sendRawTransaction that mean something other than "try again". */
export function classifyBroadcastError(error: unknown): BroadcastErrorKind {
  const text = messages(error);
  if (/already known|known transaction|already imported|AlreadyKnown|already exists/i.test(text))
    return "alreadyKnown";
  if (/nonce too low|nonce has already been used|NonceTooLow/i.test(text)) return "nonceTooLow";
  // Also "below the base fee": geth queues such a tx, anvil refuses it; either way an earlier attempt
  // may still be pending, so wait for the next bump rather than hammer the node.
  if (
    /underpriced|replacement fee too low|less than block base fee|fee cap less than|feecap too low/i.test(
      text,
    )
  )
    return "underpriced";
  return "other";
}

/**
 * The revert inside a failed eth_call / eth_estimateGas, or undefined when the failure was the transport
 * (those are retried, a revert is not).
 */
export function asRevert(error: unknown, abi: Abi | undefined): TxRevert | undefined {
  if (!(error instanceof ViemBaseError)) return undefined;
  const text = messages(error);
  const data = revertData(error);
  const reverted = /execution reverted|revert/i.test(text) || (data !== undefined && data.length >= 10);
  if (!reverted) return undefined;
  let errorName = data && data.length >= 10 ? data.slice(0, 10) : "Reverted";
  if (data && data.length >= 10) {
    try {
      // viem adds Error(string) and Panic(uint256) to any ABI, so those decode without one.
      errorName = decodeErrorResult({ abi: abi ?? [], data }).errorName;
    } catch {
      // Not in the ABI: the selector is the most precise name there is.
    }
  }
  return { errorName, data, message: error.shortMessage };
}

/** Wraps a transport or node failure as retryable; leaves our own errors alone. */
export function asRpcError(what: string, error: unknown): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  // The innermost cause carries the node's own words ("nonce too low", "fetch failed").
  const inner = error.walk() as { details?: string; message?: string };
  return new TxRpcError(`The L2 RPC failed during ${what}.`, {
    cause: error,
    details: inner.details || inner.message?.split("\n")[0] || error.shortMessage,
    hint: "Retried with backoff; check that the L2 RPC (L2_RPC_URL) is up.",
  });
}
