import type { Hex } from "viem";
import type { Verdict } from "../../../contracts/enums/verdict.ts";
import type { Finding } from "./findings.ts";
import type { NearDuplicateIndex } from "./nearDuplicateIndex.ts";
import type { QualityComponents } from "./qualityScore.ts";
import type { ValidationParams } from "./validationParams.ts";

export type DatanetFormat = "text" | "jsonl";

export type ContributionInput = {
  contributionId: bigint;
  datanetId: bigint;
  dataRoot: Hex;
  declared: { byteSize: bigint; chunkCount: number; license: string; format: string };
  /** Chunk bytes by index; `undefined` where the worker could not fetch a chunk. */
  chunks: readonly (Uint8Array | undefined)[];
};

export type ValidationContext = {
  datanet: {
    format: DatanetFormat;
    maxChunkBytes: number;
    /** JSONL only: fields every record must have, as strings. */
    requiredFields?: readonly string[];
    /** Defaults to `params.maxContributionBytes`. */
    maxContributionBytes?: bigint | number;
  };
  /** SPDX ids, compared case-sensitively; see DEFAULT_LICENSE_ALLOWLIST. */
  licenseAllowlist: readonly string[];
  /** The Datanet's accepted contributions. */
  corpus: NearDuplicateIndex;
  /** Defaults to `defaultValidationParams`. */
  params?: Partial<ValidationParams>;
};

export const REPORT_VERSION = 1;

/**
 * The canonical result of validating one contribution. `reportHash(report)` is the `resultHash` attested
 * on-chain; the report itself is served over HTTP so that anyone can recompute both hash and verdict.
 */
export type ValidationReport = {
  version: typeof REPORT_VERSION;
  contributionId: bigint;
  datanetId: bigint;
  dataRoot: Hex;
  /** 1 accept, 2 reject (`VERDICT` in contracts/enums/verdict.ts). */
  verdict: Verdict;
  /** Quality score 0..10000 (uint32 on-chain); 0 when the content could not be checked. */
  score: number;
  /** Empty exactly when the verdict is accept. */
  findings: Finding[];
  measured: {
    chunkCount: number;
    presentChunks: number;
    /** Bytes of the chunks present. */
    byteSize: bigint;
    computedDataRoot: Hex | null;
    /** False when chunks are missing, the root does not match or the size is over the limit. */
    contentChecked: boolean;
    contentHash: Hex | null;
    words: number;
    distinctShingles: number;
    quality: QualityComponents | null;
    nearestDuplicate: { of: bigint; similarityBps: number } | null;
  };
  params: {
    format: DatanetFormat;
    maxChunkBytes: number;
    maxContributionBytes: bigint;
    requiredFields: string[];
    licenseAllowlist: string[];
    nearDuplicateThresholdBps: number;
    minQualityScore: number;
  };
};
