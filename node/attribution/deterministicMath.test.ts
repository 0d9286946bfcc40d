import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { detExp, detLog, detSigmoid, detSoftplus } from "./deterministicMath.ts";

describe("deterministic exp/log", () => {
  it("agree with Math.exp/Math.log to a few ulp over their whole range", () => {
    const random = createRandom(2);
    for (let i = 0; i < 20_000; i++) {
      const x = (random() - 0.5) * 1400;
      const want = Math.exp(x);
      if (want > 1e-300 && Number.isFinite(want))
        expect(Math.abs(detExp(x) - want) / want).toBeLessThan(1e-15);
      const y = Math.exp((random() - 0.5) * 1400);
      expect(Math.abs(detLog(y) - Math.log(y))).toBeLessThanOrEqual(
        1e-15 * Math.max(1, Math.abs(Math.log(y))),
      );
    }
  });

  it("handle the edges: 0, ±Infinity, NaN, subnormals, overflow", () => {
    expect(detExp(0)).toBe(1);
    expect(detLog(1)).toBe(0);
    expect(detExp(1000)).toBe(Number.POSITIVE_INFINITY);
    expect(detExp(-1000)).toBe(0);
    expect(detLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(detLog(-1)).toBeNaN();
    expect(detLog(5e-324)).toBeCloseTo(-744.44007192138, 10);
    expect(detSigmoid(800)).toBe(1);
    expect(detSigmoid(-800)).toBe(0);
    expect(detSoftplus(800)).toBe(800);
  });
});
