import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { exactLog2Fixed, log2Fixed } from "./log2Fixed.ts";

/**
 * floor(2^16 · log2 x) as the README defines it: from a double when its fraction is far from an integer (a
 * double's log2 is within 1e-9 of the truth here), else from the bit length of x^65536.
 */
function reference(x: number): number {
  const t = Math.log2(x) * 65536;
  const frac = t - Math.floor(t);
  if (frac > 1e-6 && frac < 1 - 1e-6) return Math.floor(t);
  return exactLog2Fixed(BigInt(x));
}

describe("log2Fixed", () => {
  it("is exactly floor(2^16 · log2 x): at 7141 (where the 25-bit version was one low), powers of two, random x", () => {
    expect(log2Fixed(7141)).toBe(exactLog2Fixed(7141n));
    expect(log2Fixed(7141)).toBe(838_986);
    for (let k = 0; k < 53; k++) expect(log2Fixed(2 ** k)).toBe(k * 65536);
    // Fractions just below an integer (x just under a power of two) and just above it.
    for (let k = 1; k < 53; k++) {
      expect(log2Fixed(2 ** k - 1)).toBe(reference(2 ** k - 1));
      expect(log2Fixed(2 ** k + 1)).toBe(reference(2 ** k + 1));
    }
    for (let x = 1; x < 20_000; x++) expect(log2Fixed(x)).toBe(reference(x));
    const random = createRandom(9);
    for (let i = 0; i < 20_000; i++) {
      const x = 1 + Math.floor(random() * 2 ** (1 + Math.floor(random() * 52)));
      expect(log2Fixed(x)).toBe(reference(x));
    }
  });

  it("rejects what it cannot take exactly", () => {
    for (const bad of [0, -1, 1.5, 2 ** 53, Number.NaN]) expect(() => log2Fixed(bad)).toThrow(RangeError);
  });
});
