import type { CallOutcome, CallSender } from "./workerTypes.ts";

export type SendThenSettleReturnType = {
  /** Resolves once the transaction is broadcast, or once its outcome is known if that comes first. */
  out: Promise<void>;
  /** `settle` applied to the outcome: after the transaction's confirmations. */
  settled: Promise<void>;
};

/**
 * Sends a call and lets its confirmation settle in the background: the caller awaits `out` (the transaction
 * is on its way, or already refused) and moves on; `settle` sees the outcome when the confirmations are in.
 * The sender's key keeps the guarantees: a second send under the same key joins the first.
 */
export function sendThenSettle(
  sender: CallSender,
  request: Omit<Parameters<CallSender["send"]>[0], "onSent">,
  settle: (outcome: CallOutcome) => Promise<void>,
): SendThenSettleReturnType {
  let onSent = () => {};
  const broadcast = new Promise<void>((resolve) => {
    onSent = resolve;
  });
  const settled = sender.send({ ...request, onSent: () => onSent() }).then(settle);
  return { out: Promise.race([broadcast, settled]), settled };
}
