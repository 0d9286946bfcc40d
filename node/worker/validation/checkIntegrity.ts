import type { Hex } from "viem";
import { computeDataRoot } from "../../../contracts/merkle/chunkTree.ts";
import { type Finding, MAX_LISTED } from "./findings.ts";
import type { ContributionInput } from "./validationTypes.ts";

export type IntegrityResult = {
  findings: Finding[];
  presentChunks: number;
  byteSize: bigint;
  computedDataRoot: Hex | null;
  /** The whole contribution, set only when every chunk is present, the root matches and the size is allowed. */
  bytes: Uint8Array | undefined;
};

/**
 * Chunks present, each within the Datanet's chunk limit, the recomputed root equal to the committed one, the
 * declaration honest, the total within the size limit. Content checks only make sense on bytes that passed.
 */
export function checkIntegrity(
  input: ContributionInput,
  limits: { maxChunkBytes: number; maxContributionBytes: bigint },
): IntegrityResult {
  const findings: Finding[] = [];
  const { chunks, declared } = input;

  const missing: number[] = [];
  let missingCount = 0;
  const oversized: number[] = [];
  let oversizedCount = 0;
  let byteSize = 0n;
  let present = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    if (!(chunk instanceof Uint8Array)) {
      missingCount++;
      if (missing.length < MAX_LISTED) missing.push(i);
      continue;
    }
    present++;
    byteSize += BigInt(chunk.length);
    if (chunk.length > limits.maxChunkBytes) {
      oversizedCount++;
      if (oversized.length < MAX_LISTED) oversized.push(i);
    }
  }

  if (chunks.length === 0 || (missingCount === 0 && byteSize === 0n))
    findings.push({ code: "EMPTY_CONTRIBUTION" });
  if (missingCount > 0) findings.push({ code: "MISSING_CHUNKS", missing, missingCount });
  if (oversizedCount > 0) {
    findings.push({
      code: "CHUNK_TOO_LARGE",
      chunks: oversized,
      oversizedCount,
      maxChunkBytes: limits.maxChunkBytes,
    });
  }
  if (declared.chunkCount !== chunks.length) {
    findings.push({ code: "CHUNK_COUNT_MISMATCH", declared: declared.chunkCount, actual: chunks.length });
  }
  if (missingCount === 0 && declared.byteSize !== byteSize) {
    findings.push({ code: "BYTE_SIZE_MISMATCH", declared: declared.byteSize, actual: byteSize });
  }

  let computedDataRoot: Hex | null = null;
  if (missingCount === 0 && chunks.length > 0) {
    computedDataRoot = computeDataRoot(chunks as Uint8Array[]);
    if (computedDataRoot !== input.dataRoot.toLowerCase()) {
      findings.push({ code: "DATA_ROOT_MISMATCH", declared: input.dataRoot, computed: computedDataRoot });
    }
  }

  // The larger of what was declared and what arrived, so a short declaration cannot hide an oversized upload.
  const claimed = declared.byteSize > byteSize ? declared.byteSize : byteSize;
  const tooLarge = claimed > limits.maxContributionBytes;
  if (tooLarge) {
    findings.push({
      code: "CONTRIBUTION_TOO_LARGE",
      byteSize: claimed,
      maxContributionBytes: limits.maxContributionBytes,
    });
  }

  const intact =
    missingCount === 0 && chunks.length > 0 && computedDataRoot === input.dataRoot.toLowerCase() && !tooLarge;
  return {
    findings,
    presentChunks: present,
    byteSize,
    computedDataRoot,
    bytes: intact ? Buffer.concat(chunks as Uint8Array[]) : undefined,
  };
}
