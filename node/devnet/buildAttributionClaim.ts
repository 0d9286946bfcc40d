import {
  buildAttributionIndex,
  type ContributionInput,
  createAttributionEngine,
  type Tokenizer,
} from "../attribution/index.ts";

export type AttributionClaim = { contributionIds: bigint[]; weights: bigint[] };

export type BuildAttributionClaimParameters = {
  tokenizer: Tokenizer;
  /** The accepted contributions of the model's Datanets, as the workers will rebuild them. */
  corpus: ContributionInput[];
  output: string;
  /** Skew the weights (or cite an extra contribution) so that the claim no longer matches the data. */
  dishonest?: boolean;
};

/**
 * The attribution claim a model developer records with an inference: honest = exactly what the workers'
 * engine computes for `output` over `corpus` (ids ascending, weights in ppm); dishonest = still well-formed
 * (ascending ids, weights summing to 1,000,000) but not what the data says. Undefined when the output quotes
 * nothing of the corpus (there is nothing to claim).
 */
export function buildAttributionClaim(
  parameters: BuildAttributionClaimParameters,
): AttributionClaim | undefined {
  const engine = createAttributionEngine({
    index: buildAttributionIndex({ tokenizer: parameters.tokenizer, contributions: parameters.corpus }),
  });
  const result = engine.attribute(parameters.output);
  if (result.entries.length === 0) return undefined;
  const entries = [...result.entries].sort((x, y) => (x.contributionId < y.contributionId ? -1 : 1));
  const contributionIds = entries.map((e) => e.contributionId);
  const weights = entries.map((e) => BigInt(e.weightPpm));
  if (!parameters.dishonest) return { contributionIds, weights };
  if (contributionIds.length >= 2) {
    // Shift weight from the first to the last entry.
    const shift = weights[0]! / 2n;
    weights[0] = weights[0]! - shift;
    weights[weights.length - 1] = weights[weights.length - 1]! + shift;
    return { contributionIds, weights };
  }
  // One entry: split it with a contribution the output never quoted.
  const other = parameters.corpus.find((c) => c.contributionId !== contributionIds[0]);
  if (!other) return undefined;
  const both = [contributionIds[0]!, other.contributionId].sort((x, y) => (x < y ? -1 : 1));
  return { contributionIds: both, weights: [500_000n, 500_000n] };
}
