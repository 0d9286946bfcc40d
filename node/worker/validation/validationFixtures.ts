import { computeDataRoot } from "../../../contracts/merkle/chunkTree.ts";
import { DEFAULT_LICENSE_ALLOWLIST } from "./licenseAllowlist.ts";
import { createNearDuplicateIndex, type NearDuplicateIndex } from "./nearDuplicateIndex.ts";
import type { ContributionInput, ValidationContext } from "./validationTypes.ts";

/** Builders of validator inputs for tests: a text split into chunks, with an honest declaration and root. */
export const CHUNK = 256;

export function split(bytes: Uint8Array, size = CHUNK): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += size) chunks.push(bytes.subarray(o, o + size));
  return chunks.length ? chunks : [new Uint8Array(0)];
}

export function inputOf(
  content: string | Uint8Array,
  overrides: Partial<ContributionInput["declared"]> = {},
  chunkSize = CHUNK,
): ContributionInput {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const chunks = split(bytes, chunkSize);
  return {
    contributionId: 7n,
    datanetId: 1n,
    dataRoot: computeDataRoot(chunks),
    declared: {
      byteSize: BigInt(bytes.length),
      chunkCount: chunks.length,
      license: "CC-BY-4.0",
      format: "text",
      ...overrides,
    },
    chunks,
  };
}

export function contextOf(
  overrides: Partial<ValidationContext> = {},
  corpus?: NearDuplicateIndex,
): ValidationContext {
  return {
    datanet: { format: "text", maxChunkBytes: CHUNK },
    licenseAllowlist: DEFAULT_LICENSE_ALLOWLIST,
    corpus: corpus ?? createNearDuplicateIndex(),
    ...overrides,
  };
}
