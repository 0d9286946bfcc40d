import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { normaliseToPpm, PPM } from "./normaliseToPpm.ts";

describe("normaliseToPpm", () => {
  it("always sums to exactly 1,000,000 and is ordered by id, on 500 random score sets", () => {
    const random = createRandom(1);
    for (let it = 0; it < 500; it++) {
      const scores = new Map<bigint, bigint>();
      const n = 1 + Math.floor(random() * 100);
      for (let i = 0; i < n; i++)
        scores.set(BigInt(Math.floor(random() * 1e6)), BigInt(Math.floor(random() * 2 ** 40)) + 1n);
      const entries = normaliseToPpm(scores, 64);
      expect(entries.reduce((a, e) => a + e.weightPpm, 0)).toBe(PPM);
      expect(entries.length).toBeLessThanOrEqual(64);
      for (let i = 1; i < entries.length; i++)
        expect(entries[i]!.contributionId > entries[i - 1]!.contributionId).toBe(true);
    }
  });

  it("splits ties by largest remainder, lower id first", () => {
    const three = normaliseToPpm(
      new Map([
        [3n, 1n],
        [1n, 1n],
        [2n, 1n],
      ]),
      64,
    );
    expect(three).toEqual([
      { contributionId: 1n, weightPpm: 333_334 },
      { contributionId: 2n, weightPpm: 333_333 },
      { contributionId: 3n, weightPpm: 333_333 },
    ]);
    expect(
      normaliseToPpm(
        new Map([
          [5n, 2n],
          [7n, 1n],
        ]),
        64,
      ),
    ).toEqual([
      { contributionId: 5n, weightPpm: 666_667 },
      { contributionId: 7n, weightPpm: 333_333 },
    ]);
  });

  it("keeps the largest scores under the cap, drops zero and negative scores, and returns [] for nothing", () => {
    const scores = new Map<bigint, bigint>([
      [1n, 10n],
      [2n, 30n],
      [3n, 20n],
      [4n, 0n],
      [5n, -5n],
    ]);
    expect(normaliseToPpm(scores, 2).map((e) => e.contributionId)).toEqual([2n, 3n]);
    expect(normaliseToPpm(scores, 64).map((e) => e.contributionId)).toEqual([1n, 2n, 3n]);
    expect(normaliseToPpm(new Map(), 64)).toEqual([]);
    expect(normaliseToPpm(new Map([[1n, 0n]]), 64)).toEqual([]);
    // A score too small to earn one ppm is dropped rather than listed at 0.
    expect(
      normaliseToPpm(
        new Map([
          [1n, 10_000_000n],
          [2n, 1n],
        ]),
        64,
      ),
    ).toEqual([{ contributionId: 1n, weightPpm: PPM }]);
  });
});
