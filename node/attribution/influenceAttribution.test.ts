import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import {
  type ContributedExample,
  FIRST_ORDER_MAX_SHARE,
  influenceAttribution,
} from "./influenceAttribution.ts";
import { PPM } from "./normaliseToPpm.ts";
import { exampleLoss, type LabelledExample, trainLogisticRegression } from "./trainLogisticRegression.ts";

/** Two gaussian-ish classes in 4 dimensions plus a bias feature; some contributions have flipped labels. */
function syntheticData(seed: number) {
  const random = createRandom(seed);
  const gauss = () => {
    let s = 0;
    for (let i = 0; i < 6; i++) s += random();
    return s - 3;
  };
  const truth = [1.5, -1, 0.5, 2];
  const example = (flip: boolean): LabelledExample => {
    const x = truth.map(() => gauss());
    const z = x.reduce((a, v, j) => a + v * truth[j]!, 0) + 0.5 * gauss();
    const label = z > 0 !== flip ? 1 : 0;
    return { features: [...x, 1], label };
  };
  const training: ContributedExample[] = [];
  for (let c = 1; c <= 24; c++) {
    const noisy = c % 4 === 0;
    const size = 3 + Math.floor(random() * 6);
    for (let i = 0; i < size; i++)
      training.push({ ...example(noisy && random() < 0.7), contributionId: BigInt(c) });
  }
  const test = Array.from({ length: 40 }, () => example(false));
  return { training, test };
}

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(values.length);
  order.forEach(([, i], k) => {
    r[i] = k;
  });
  return r;
}

function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (ra[i]! - rb[i]!) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/**
 * Random datasets beyond the first-order regime: 2–6 features, 6–17 contributions of 2–9 examples (some with
 * flipped labels, some shifted), and one or two holding 30–45 % of all examples.
 */
function largeShareData(seed: number) {
  const random = createRandom(seed);
  const gauss = () => {
    let s = 0;
    for (let i = 0; i < 6; i++) s += random();
    return s - 3;
  };
  const d = 2 + Math.floor(random() * 5);
  const truth = Array.from({ length: d }, () => 2 * gauss());
  const example = (flip: boolean, shift: number[]): LabelledExample => {
    const x = truth.map((_, j) => gauss() + shift[j]!);
    const z = x.reduce((a, v, j) => a + v * truth[j]!, 0) + 0.5 * gauss();
    return { features: [...x, 1], label: z > 0 !== flip ? 1 : 0 };
  };
  const sizes = Array.from({ length: 6 + Math.floor(random() * 12) }, () => 2 + Math.floor(random() * 8));
  const small = sizes.reduce((a, b) => a + b, 0);
  const big = 1 + Math.floor(random() * 2);
  const shares: number[] = [];
  for (let b = 0; b < big; b++) {
    const share = 0.3 + random() * 0.15;
    shares.push(share);
    sizes[b] = Math.round((share * small) / (1 - share));
  }
  const training: ContributedExample[] = [];
  sizes.forEach((size, c) => {
    const noisy = random() < 0.3;
    const shift = truth.map(() => (random() < 0.5 ? gauss() : 0));
    for (let i = 0; i < size; i++) {
      training.push({ ...example(noisy && random() < 0.6, shift), contributionId: BigInt(c + 1) });
    }
  });
  const test = Array.from({ length: 30 }, () => example(false, new Array(d).fill(0)));
  return { training, test, big };
}

describe("influenceAttribution", () => {
  it("follows real leave-one-out retraining also when contributions hold 30-45 % of the training set", () => {
    const lambda = 1;
    const correlations: number[] = [];
    let retrained = 0;
    let firstOrder = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { training, test, big } = largeShareData(seed);
      const result = influenceAttribution({ training, test, lambda });
      const testLoss = (theta: Float64Array) => test.reduce((a, e) => a + exampleLoss(theta, e), 0);
      const base = testLoss(result.theta);
      const actual = result.scores.map((s) => {
        const rest = training.filter((e) => e.contributionId !== s.contributionId);
        return testLoss(trainLogisticRegression({ examples: rest, lambda }).theta) - base;
      });
      correlations.push(
        spearman(
          result.scores.map((s) => s.influence),
          actual,
        ),
      );
      result.scores.forEach((s, i) => {
        // Each score says its regime; beyond it, the score is the real change (retrained from another start).
        expect(s.method).toBe(s.curvatureShare <= FIRST_ORDER_MAX_SHARE ? "first-order" : "retrained");
        if (s.method === "retrained") {
          retrained++;
          expect(Math.abs(s.influence - actual[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(actual[i]!)));
        } else firstOrder++;
      });
      // The large contributions are far beyond the first-order regime.
      for (const s of result.scores.slice(0, big)) {
        expect(s.curvatureShare).toBeGreaterThan(0.2);
        expect(s.method).toBe("retrained");
      }
    }
    correlations.sort((a, b) => a - b);
    console.info(
      `influence vs leave-one-out on large-share sets: min ${correlations[0]!.toFixed(3)}, median ${correlations[15]!.toFixed(3)}; ${retrained} retrained, ${firstOrder} first-order`,
    );
    expect(correlations[0]).toBeGreaterThan(0.95);
  });

  it("predicts leave-one-contribution-out retraining (Spearman rank correlation > 0.9)", () => {
    const lambda = 1;
    const correlations: number[] = [];
    for (const seed of [1, 2, 3]) {
      const { training, test } = syntheticData(seed);
      const result = influenceAttribution({ training, test, lambda });
      const testLoss = (theta: Float64Array) => test.reduce((a, e) => a + exampleLoss(theta, e), 0);
      const base = testLoss(result.theta);
      const actual = result.scores.map((s) => {
        const rest = training.filter((e) => e.contributionId !== s.contributionId);
        return testLoss(trainLogisticRegression({ examples: rest, lambda }).theta) - base;
      });
      const rho = spearman(
        result.scores.map((s) => s.influence),
        actual,
      );
      correlations.push(rho);
      // Noisy contributions (ids divisible by 4) hurt on the whole and earn less than the clean ones.
      const mean = (noisy: boolean) => {
        const xs = result.scores
          .filter((s) => (s.contributionId % 4n === 0n) === noisy)
          .map((s) => s.influence);
        return xs.reduce((a, v) => a + v, 0) / xs.length;
      };
      expect(mean(true)).toBeLessThan(0);
      expect(mean(true)).toBeLessThan(mean(false));
      const paid = (noisy: boolean) =>
        result.entries
          .filter((e) => (e.contributionId % 4n === 0n) === noisy)
          .reduce((a, e) => a + e.weightPpm, 0);
      expect(paid(true)).toBeLessThan(paid(false));
      expect(result.entries.reduce((a, e) => a + e.weightPpm, 0)).toBe(PPM);
    }
    console.info(`influence vs leave-one-out Spearman: ${correlations.map((r) => r.toFixed(3)).join(", ")}`);
    for (const rho of correlations) expect(rho).toBeGreaterThan(0.9);
  });

  it("is bit-identical across runs (the example order is part of the input)", () => {
    const { training, test } = syntheticData(7);
    const a = influenceAttribution({ training, test, lambda: 0.5 });
    const b = influenceAttribution({ training, test, lambda: 0.5 });
    expect(b.scores).toEqual(a.scores);
    expect(b.resultRoot).toBe(a.resultRoot);
    expect(Array.from(b.theta)).toEqual(Array.from(a.theta));
  });

  it("rejects empty or mismatched input with a clear error", () => {
    const { training, test } = syntheticData(8);
    expect(() => influenceAttribution({ training: [], test, lambda: 1 })).toThrow(/training and test/);
    expect(() =>
      influenceAttribution({ training, test: [{ features: [1, 2], label: 1 }], lambda: 1 }),
    ).toThrow(/features/);
    expect(() => influenceAttribution({ training, test, lambda: 0 })).toThrow(/lambda/);
  });
});
