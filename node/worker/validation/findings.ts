import type { Hex } from "viem";
import type { JsonlLineError } from "../../../contracts/text/jsonlRecordTexts.ts";

/**
 * Why a contribution is rejected, one variant per check (Lodestar style: a `code` and the payload that
 * explains it). Every finding rejects; a contribution with no finding is accepted. Lists inside a finding are
 * capped at `MAX_LISTED` entries, with the full count beside them, so a hostile contribution cannot bloat the
 * report.
 */
export type Finding =
  | { code: "EMPTY_CONTRIBUTION" }
  | { code: "MISSING_CHUNKS"; missing: number[]; missingCount: number }
  | { code: "CHUNK_TOO_LARGE"; chunks: number[]; oversizedCount: number; maxChunkBytes: number }
  | { code: "CHUNK_COUNT_MISMATCH"; declared: number; actual: number }
  | { code: "BYTE_SIZE_MISMATCH"; declared: bigint; actual: bigint }
  | { code: "DATA_ROOT_MISMATCH"; declared: Hex; computed: Hex }
  | { code: "CONTRIBUTION_TOO_LARGE"; byteSize: bigint; maxContributionBytes: bigint }
  | { code: "FORMAT_MISMATCH"; declared: string; datanet: string }
  | { code: "INVALID_UTF8" }
  | {
      code: "INVALID_JSONL";
      /** 1-based number of the first invalid line; checking stops there. */
      firstLine: number;
      reason: JsonlLineError;
      field?: string;
    }
  | { code: "LICENSE_NOT_ALLOWED"; license: string }
  | { code: "EXACT_DUPLICATE"; of: bigint; contentHash: Hex }
  | { code: "NEAR_DUPLICATE"; of: bigint; similarityBps: number; thresholdBps: number }
  | { code: "LOW_QUALITY"; score: number; minimum: number }
  /** The validator itself failed; the contribution is rejected rather than accepted unchecked. */
  | { code: "VALIDATOR_ERROR"; message: string };

export type FindingCode = Finding["code"];

export const MAX_LISTED = 32;

/** The order findings appear in a report: integrity first, then content, then corpus, then quality. */
export const FINDING_ORDER: readonly FindingCode[] = [
  "VALIDATOR_ERROR",
  "EMPTY_CONTRIBUTION",
  "MISSING_CHUNKS",
  "CHUNK_TOO_LARGE",
  "CHUNK_COUNT_MISMATCH",
  "BYTE_SIZE_MISMATCH",
  "DATA_ROOT_MISMATCH",
  "CONTRIBUTION_TOO_LARGE",
  "FORMAT_MISMATCH",
  "INVALID_UTF8",
  "INVALID_JSONL",
  "LICENSE_NOT_ALLOWED",
  "EXACT_DUPLICATE",
  "NEAR_DUPLICATE",
  "LOW_QUALITY",
];

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => FINDING_ORDER.indexOf(a.code) - FINDING_ORDER.indexOf(b.code));
}
