import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { buildSuffixArray } from "./buildSuffixArray.ts";
import { firstTokenRows, longestPrefixMatch, suffixRange } from "./suffixSearch.ts";

function bruteLongest(text: Uint32Array, p: Uint32Array, start: number, end: number): number {
  let best = 0;
  for (let q = 0; q < text.length; q++) {
    let k = 0;
    while (start + k < end && q + k < text.length && text[q + k] === p[start + k]) k++;
    best = Math.max(best, k);
  }
  return best;
}

function bruteCount(text: Uint32Array, p: Uint32Array, start: number, length: number): number {
  let c = 0;
  for (let q = 0; q + length <= text.length; q++) {
    let k = 0;
    while (k < length && text[q + k] === p[start + k]) k++;
    if (k === length) c++;
  }
  return c;
}

describe("suffix-array queries", () => {
  it("longest match and occurrence ranges equal brute force on 400 random corpora", () => {
    const random = createRandom(3);
    for (let it = 0; it < 400; it++) {
      const k = [2, 3, 8, 50_000][it % 4]!;
      const sep = k;
      const n = Math.floor(random() * 300);
      const text = Uint32Array.from({ length: n }, () => (random() < 0.05 ? sep : Math.floor(random() * k)));
      const sa = buildSuffixArray(text, k + 1);
      const rows = firstTokenRows(text, k + 1);
      // Patterns: half copied from the text (long matches), half random.
      for (let q = 0; q < 10; q++) {
        const m = 1 + Math.floor(random() * 30);
        const from = Math.floor(random() * Math.max(1, n - m));
        const p = Uint32Array.from({ length: m }, (_, i) =>
          q % 2 === 0 && n > 0 ? text[Math.min(n - 1, from + i)]! % sep : Math.floor(random() * k),
        );
        const start = Math.floor(random() * m);
        const want = bruteLongest(text, p, start, m);
        expect(longestPrefixMatch(text, sa, p, start, m)).toBe(want);
        expect(longestPrefixMatch(text, sa, p, start, m, rows)).toBe(want);
        const length = 1 + Math.floor(random() * (m - start));
        const [lo, hi] = suffixRange(text, sa, p, start, length);
        expect(hi - lo).toBe(bruteCount(text, p, start, length));
        expect(suffixRange(text, sa, p, start, length, rows)).toEqual([lo, hi]);
        for (let r = lo; r < hi; r++) {
          for (let i = 0; i < length; i++) expect(text[sa[r]! + i]).toBe(p[start + i]);
        }
      }
    }
  });
});
