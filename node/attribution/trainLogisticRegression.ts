import { AttributionInputError } from "./attributionErrors.ts";
import { detSigmoid, detSoftplus } from "./deterministicMath.ts";
import { solveLinearSystem } from "./solveLinearSystem.ts";

/** A labelled example; add a constant 1 feature yourself if the model needs an intercept. */
export type LabelledExample = { features: readonly number[]; label: 0 | 1 };

export type LogisticModel = {
  theta: Float64Array;
  /** Σ loss + (λ/2)‖θ‖² at theta. */
  objective: number;
  iterations: number;
};

export type TrainLogisticRegressionParameters = {
  examples: readonly LabelledExample[];
  /** L2 strength λ > 0: makes the objective strictly convex, so the optimum and its Hessian inverse exist. */
  lambda: number;
  maxIterations?: number;
};

function dot(theta: Float64Array, x: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < theta.length; j++) s += theta[j]! * x[j]!;
  return s;
}

/** Logistic loss of one example: log(1 + e^{θx}) − y θx. */
export function exampleLoss(theta: Float64Array, e: LabelledExample): number {
  const z = dot(theta, e.features);
  return detSoftplus(z) - e.label * z;
}

/** ∇ of one example's loss: (σ(θx) − y) x. */
export function exampleGradient(theta: Float64Array, e: LabelledExample): Float64Array {
  const r = detSigmoid(dot(theta, e.features)) - e.label;
  return Float64Array.from(e.features, (v) => r * v);
}

export function regularisedObjective(
  theta: Float64Array,
  examples: readonly LabelledExample[],
  lambda: number,
): number {
  let s = 0;
  for (const e of examples) s += exampleLoss(theta, e);
  let n2 = 0;
  for (let j = 0; j < theta.length; j++) n2 += theta[j]! * theta[j]!;
  return s + (lambda / 2) * n2;
}

/** H = Σ σ(1−σ) x xᵀ + λI, row-major. */
export function objectiveHessian(
  theta: Float64Array,
  examples: readonly LabelledExample[],
  lambda: number,
): Float64Array {
  const d = theta.length;
  const h = new Float64Array(d * d);
  for (const e of examples) {
    const p = detSigmoid(dot(theta, e.features));
    const w = p * (1 - p);
    for (let a = 0; a < d; a++) {
      const wa = w * e.features[a]!;
      for (let b = 0; b < d; b++) h[a * d + b] = h[a * d + b]! + wa * e.features[b]!;
    }
  }
  for (let a = 0; a < d; a++) h[a * d + a] = h[a * d + a]! + lambda;
  return h;
}

/**
 * Minimises Σ loss + (λ/2)‖θ‖² by Newton's method with step halving. Examples are visited in the given order
 * and all arithmetic is basic IEEE operations or deterministicMath, so the model is bit-identical everywhere.
 */
export function trainLogisticRegression({
  examples,
  lambda,
  maxIterations = 100,
}: TrainLogisticRegressionParameters): LogisticModel {
  if (!(lambda > 0) || !Number.isFinite(lambda)) {
    throw new AttributionInputError(
      `lambda must be a positive number, got ${lambda}.`,
      "Use e.g. lambda = 1.",
    );
  }
  const d = examples[0]?.features.length ?? 0;
  for (const [i, e] of examples.entries()) {
    if (e.features.length !== d || !e.features.every(Number.isFinite) || (e.label !== 0 && e.label !== 1)) {
      throw new AttributionInputError(
        `Example ${i} has ${e.features.length} features (expected ${d}) or a bad label.`,
        "Give every example the same number of finite features and a 0/1 label.",
      );
    }
  }
  let theta = new Float64Array(d);
  let objective = regularisedObjective(theta, examples, lambda);
  let iterations = 0;
  for (; iterations < maxIterations && d > 0; iterations++) {
    const g = new Float64Array(d);
    for (const e of examples) {
      const ge = exampleGradient(theta, e);
      for (let j = 0; j < d; j++) g[j] = g[j]! + ge[j]!;
    }
    for (let j = 0; j < d; j++) g[j] = g[j]! + lambda * theta[j]!;
    const step = solveLinearSystem(objectiveHessian(theta, examples, lambda), g, d);
    let t = 1;
    let next = theta;
    let nextObjective = objective;
    for (let halvings = 0; halvings < 40; halvings++, t /= 2) {
      next = Float64Array.from(theta, (v, j) => v - t * step[j]!);
      nextObjective = regularisedObjective(next, examples, lambda);
      if (nextObjective <= objective) break;
    }
    let size = 0;
    for (let j = 0; j < d; j++) size = Math.max(size, Math.abs(next[j]! - theta[j]!));
    if (nextObjective > objective) break;
    theta = next;
    objective = nextObjective;
    if (size < 1e-13) break;
  }
  return { theta, objective, iterations };
}
