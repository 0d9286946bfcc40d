import { NonRetryableUserError } from "../../config/errors/BaseError.ts";

/** Why a claim was not sent: nothing to claim, not final yet, already paid, or a root that does not match. */
export type ClaimRefusal = "nothingToClaim" | "epochNotFinal" | "alreadyClaimed" | "rootMismatch";

/** A claim the operator asked for that cannot be paid now; `reason` says which case, the message what to do. */
export class ClaimRefusedError extends NonRetryableUserError {
  override name = "ClaimRefusedError";
  readonly reason: ClaimRefusal;
  constructor(reason: ClaimRefusal, message: string, hint: string) {
    super(message, { hint, meta: { reason } });
    this.reason = reason;
  }
}
