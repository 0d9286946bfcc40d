import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { type ContributedExample, influenceAttribution } from "./influenceAttribution.ts";
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

describe("influenceAttribution", () => {
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
