import { AttributionInputError } from "./attributionErrors.ts";
import { buildCorpus, type ContributionInput } from "./buildCorpus.ts";
import { type AttributionIndex, createAttributionIndex } from "./createAttributionIndex.ts";
import type { Tokenizer } from "./tokenizer.ts";

export type BuildAttributionIndexParameters = {
  contributions: readonly ContributionInput[];
  tokenizer: Tokenizer;
  jsonlFields?: readonly string[];
};

/** A one-shard index over a Datanet's accepted contributions. */
export function buildAttributionIndex({
  contributions,
  tokenizer,
  jsonlFields,
}: BuildAttributionIndexParameters): AttributionIndex {
  const empty = createAttributionIndex({ tokenizerId: tokenizer.id, separator: tokenizer.vocabSize });
  return addContributions(empty, { contributions, tokenizer, jsonlFields });
}

/** A new index with one more shard holding `contributions` (a newly accepted batch). */
export function addContributions(
  index: AttributionIndex,
  { contributions, tokenizer, jsonlFields }: BuildAttributionIndexParameters,
): AttributionIndex {
  if (tokenizer.id !== index.tokenizerId || tokenizer.vocabSize !== index.separator) {
    throw new AttributionInputError(
      `Tokenizer ${tokenizer.id} does not match the index's ${index.tokenizerId}.`,
      "Add contributions with the tokenizer the index was built with.",
    );
  }
  if (contributions.length === 0) return index;
  return index.withShard(buildCorpus({ contributions, tokenizer, jsonlFields }));
}
