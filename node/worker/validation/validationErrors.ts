import { NonRetryableUserError } from "../../../config/errors/BaseError.ts";

/** A persisted near-duplicate index that cannot be read: corrupt, truncated or from another version. */
export class NearDuplicateIndexFormatError extends NonRetryableUserError {
  override name = "NearDuplicateIndexFormatError";
}

/** A value handed to the validation API that it cannot represent (not a contribution's content). */
export class ValidationInputError extends NonRetryableUserError {
  override name = "ValidationInputError";
}
