import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { buildSuffixArray } from "./buildSuffixArray.ts";

function bruteSuffixArray(t: ArrayLike<number>): number[] {
  const n = t.length;
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    let k = 0;
    while (a + k < n && b + k < n && t[a + k] === t[b + k]) k++;
    if (a + k === n) return -1;
    if (b + k === n) return 1;
    return t[a + k]! - t[b + k]!;
  });
}

describe("buildSuffixArray (SA-IS)", () => {
  it("equals a comparison sort on 2000 random texts: tiny and large alphabets, runs, separators", () => {
    const random = createRandom(7);
    for (let it = 0; it < 2000; it++) {
      const n = Math.floor(random() * 80);
      const kind = it % 5;
      const k = kind === 0 ? 1 : kind === 1 ? 2 : kind === 2 ? 4 : kind === 3 ? 100_000 : 300;
      const t = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        // kind 4: periodic text with separators (symbol k-1), the worst case for naming LMS substrings.
        t[i] = kind === 4 ? (random() < 0.1 ? k - 1 : i % 3) : Math.floor(random() * k);
      }
      const sa = Array.from(buildSuffixArray(t, kind === 4 ? k : undefined));
      const brute = bruteSuffixArray(t);
      // One expect per mismatch only: thousands of deep-equal calls would dominate the run time.
      if (sa.join() !== brute.join()) expect(sa, `text ${Array.from(t).join(",")}`).toEqual(brute);
    }
  });

  it("handles long repeats (aaaa…, abab…) and a few larger random texts", () => {
    const random = createRandom(11);
    const texts = [
      new Uint32Array(2000).fill(5),
      Uint32Array.from({ length: 2001 }, (_, i) => i % 2),
      Uint32Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? 3 : i % 7)),
      Uint32Array.from({ length: 5000 }, () => Math.floor(random() * 3)),
      Uint32Array.from({ length: 5000 }, () => Math.floor(random() * 60_000)),
    ];
    for (const t of texts) expect(Array.from(buildSuffixArray(t))).toEqual(bruteSuffixArray(t));
  });

  it("returns an empty array for an empty text and rejects symbols outside the alphabet", () => {
    expect(buildSuffixArray(new Uint32Array(0)).length).toBe(0);
    expect(() => buildSuffixArray(Uint32Array.of(1, 5, 2), 4)).toThrow(/outside the alphabet/);
  });
});
