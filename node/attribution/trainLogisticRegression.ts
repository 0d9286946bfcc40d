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
  /** Where Newton's method starts (default zero): a nearby optimum, e.g. the full model when retraining without a few examples. */
  start?: Float64Array;
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
  start,
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
  if (start !== undefined && (start.length !== d || !start.every(Number.isFinite))) {
    throw new AttributionInputError(
      `start has ${start.length} values, the examples ${d} features.`,
      "Start from a model of the same features.",
    );
  }
  let theta = start === undefined ? new Float64Array(d) : Float64Array.from(start);
  let objective = regularisedObjective(theta, examples, lambda);
  let iterations = 0;
  let previousStep = Number.POSITIVE_INFINITY;
  for (; iterations < maxIterations && d > 0; iterations++) {
    const g = new Float64Array(d);
    for (const e of examples) {
      const ge = exampleGradient(theta, e);
      for (let j = 0; j < d; j++) g[j] = g[j]! + ge[j]!;
    }
    for (let j = 0; j < d; j++) g[j] = g[j]! + lambda * theta[j]!;
    const step = solveLinearSystem(objectiveHessian(theta, examples, lambda), g, d);
    let full = 0;
    for (let j = 0; j < d; j++) full = Math.max(full, Math.abs(step[j]!));
    // Near the optimum the objective is flat to within its rounding (an error δ in θ changes it by ~δ²), so
    // comparing objectives cannot tell steps of ~1e-7 apart; there Newton converges quadratically, and the
    // full step is taken without the comparison. Farther out, halve until the objective does not rise.
    if (full < 1e-6) {
      theta = Float64Array.from(theta, (v, j) => v - step[j]!);
      objective = regularisedObjective(theta, examples, lambda);
      let scale = 1;
      for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(theta[j]!));
      // Done at rounding level, or when rounding stops the steps from shrinking.
      if (full < 1e-14 * scale || full >= previousStep) break;
      previousStep = full;
      continue;
    }
    let t = 1;
    let next = theta;
    let nextObjective = objective;
    for (let halvings = 0; halvings < 40; halvings++, t /= 2) {
      next = Float64Array.from(theta, (v, j) => v - t * step[j]!);
      nextObjective = regularisedObjective(next, examples, lambda);
      if (nextObjective <= objective) break;
    }
    if (nextObjective > objective) break;
    theta = next;
    objective = nextObjective;
  }
  return { theta, objective, iterations };
}
