import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { log2Fixed } from "./log2Fixed.ts";

describe("log2Fixed", () => {
  it("is exact at powers of two and at most ~1 unit (2^-16) below log2 elsewhere, and monotone", () => {
    for (let k = 0; k < 31; k++) expect(log2Fixed(2 ** k)).toBe(k * 65536);
    const random = createRandom(9);
    let prev = -1;
    for (let x = 1; x < 5000; x++) {
      const v = log2Fixed(x);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
    for (let i = 0; i < 5000; i++) {
      const x = 1 + Math.floor(random() * (2 ** 31 - 2));
      const exact = Math.log2(x) * 65536;
      expect(log2Fixed(x)).toBeLessThanOrEqual(exact + 1e-6);
      expect(log2Fixed(x)).toBeGreaterThan(exact - 1.02);
    }
  });

  it("rejects what it cannot take exactly", () => {
    for (const bad of [0, -1, 1.5, 2 ** 31, Number.NaN]) expect(() => log2Fixed(bad)).toThrow(RangeError);
  });
});
