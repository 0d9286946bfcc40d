import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import { AttributionInputError } from "./attributionErrors.ts";
import { type AttributionEntry, normaliseToPpm } from "./normaliseToPpm.ts";
import { entriesRoot } from "./resultRoot.ts";
import { solveLinearSystem } from "./solveLinearSystem.ts";
import {
  exampleGradient,
  type LabelledExample,
  objectiveHessian,
  trainLogisticRegression,
} from "./trainLogisticRegression.ts";

/** A training example and the contribution it came from. */
export type ContributedExample = LabelledExample & { contributionId: bigint };

export type InfluenceAttributionParameters = {
  training: readonly ContributedExample[];
  /** The examples whose loss we explain (e.g. an inference's input and the label the model produced). */
  test: readonly LabelledExample[];
  lambda: number;
  maxEntries?: number;
};

export type ContributionInfluence = {
  contributionId: bigint;
  /** Predicted change of the test loss if the contribution were removed and the model retrained. */
  influence: number;
  /** round(influence · 2^32): the integer that weights are computed from. */
  quantised: bigint;
};

export type InfluenceAttributionResult = {
  attributed: boolean;
  scores: ContributionInfluence[];
  entries: AttributionEntry[];
  resultRoot: Hash;
  theta: Float64Array;
};

const QUANTUM = 4_294_967_296; // 2^32

/**
 * Exact influence functions (Koh & Liang 2017) for L2-regularised logistic regression, with the exact Hessian
 * rather than an approximation. Training minimises Σ loss + (λ/2)‖θ‖²; removing a group G moves the optimum by
 * about H⁻¹ Σ_G ∇loss_i, so the test loss changes by about v · Σ_G ∇loss_i with v = H⁻¹ ∇L_test: one solve.
 * Contributions whose removal would raise the test loss (they helped) share the weight in proportion to that
 * rise; the others get nothing. Fixed summation order (examples as given, contributions ascending) and the
 * quantised scores make the weights reproducible bit for bit.
 */
export function influenceAttribution({
  training,
  test,
  lambda,
  maxEntries = 64,
}: InfluenceAttributionParameters): InfluenceAttributionResult {
  if (training.length === 0 || test.length === 0) {
    throw new AttributionInputError(
      "Influence needs training and test examples.",
      "Pass at least one of each.",
    );
  }
  const { theta } = trainLogisticRegression({ examples: training, lambda });
  const d = theta.length;
  const testGradient = new Float64Array(d);
  for (const e of test) {
    if (e.features.length !== d) {
      throw new AttributionInputError(
        `A test example has ${e.features.length} features, not ${d}.`,
        "Match the training features.",
      );
    }
    const g = exampleGradient(theta, e);
    for (let j = 0; j < d; j++) testGradient[j] = testGradient[j]! + g[j]!;
  }
  const v = solveLinearSystem(objectiveHessian(theta, training, lambda), testGradient, d);

  const groups = new Map<bigint, Float64Array>();
  for (const e of training) {
    let sum = groups.get(e.contributionId);
    if (!sum) {
      sum = new Float64Array(d);
      groups.set(e.contributionId, sum);
    }
    const g = exampleGradient(theta, e);
    for (let j = 0; j < d; j++) sum[j] = sum[j]! + g[j]!;
  }
  const scores: ContributionInfluence[] = [...groups.keys()]
    .sort((a, b) => (a < b ? -1 : 1))
    .map((contributionId) => {
      const sum = groups.get(contributionId)!;
      let influence = 0;
      for (let j = 0; j < d; j++) influence += v[j]! * sum[j]!;
      const q = Math.round(influence * QUANTUM);
      return { contributionId, influence, quantised: BigInt(Number.isFinite(q) ? q : 0) };
    });
  const entries = normaliseToPpm(new Map(scores.map((s) => [s.contributionId, s.quantised])), maxEntries);
  return { attributed: entries.length > 0, scores, entries, resultRoot: entriesRoot(entries), theta };
}
