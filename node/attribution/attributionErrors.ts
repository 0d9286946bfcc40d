import { NonRetryableUserError } from "../../config/errors/BaseError.ts";

/**
 * What can go wrong when building, loading or querying an attribution index. All are the caller's input or
 * files: retrying unchanged gives the same error, so they are non-retryable.
 */
export type IndexFileErrorCode =
  | "NOT_FOUND"
  | "BAD_MAGIC"
  | "UNSUPPORTED_VERSION"
  | "TRUNCATED"
  | "CHECKSUM_MISMATCH"
  | "MALFORMED_HEADER"
  /** Structurally valid, but a value is impossible (a suffix-array row past the end, docStarts not ascending…). */
  | "MALFORMED_CONTENT"
  /** The file cannot be read (permissions, I/O error) or changed size while open. */
  | "READ_FAILED";

/** An index file that cannot be used as it is: rebuild it from the Datanet's contributions. */
export class IndexFileError extends NonRetryableUserError {
  override name = "IndexFileError";
  readonly code: IndexFileErrorCode;
  readonly path: string;
  constructor(code: IndexFileErrorCode, path: string, shortMessage: string, details?: string) {
    super(shortMessage, {
      details,
      hint: "Rebuild the index from the Datanet's accepted contributions: olnode attribute index <folder> <indexFile>.",
      meta: { code, path },
    });
    this.code = code;
    this.path = path;
  }
}

/** A contribution whose bytes do not parse in its declared format (e.g. a bad JSONL line). */
export class CorpusFormatError extends NonRetryableUserError {
  override name = "CorpusFormatError";
  readonly contributionId: bigint;
  constructor(contributionId: bigint, shortMessage: string, details?: string) {
    super(shortMessage, {
      details,
      hint: "Check the contribution's declared format (text or jsonl); each JSONL line must be one JSON object (contracts/text/jsonlRecordTexts.ts).",
      meta: { contributionId: contributionId.toString() },
    });
    this.contributionId = contributionId;
  }
}

/** Arguments that cannot be attributed or verified: wrong tokenizer, bad options, malformed output tokens. */
export class AttributionInputError extends NonRetryableUserError {
  override name = "AttributionInputError";
  constructor(shortMessage: string, hint: string, details?: string) {
    super(shortMessage, { hint, details });
  }
}
