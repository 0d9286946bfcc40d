import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/harness/protocolActivity.ts";
import {
  type AttributionShare,
  attributionFoldKey,
  createAttributionFold,
  sumShares,
} from "./attributionFold.ts";

const block = `0x${"aa".repeat(32)}` as Hex;
const tx = `0x${"bb".repeat(32)}` as Hex;
const alice = `0x${"01".repeat(20)}` as Hex;
const bob = `0x${"02".repeat(20)}` as Hex;
const share = (datanetId: bigint, contributor: Hex, amount: bigint): AttributionShare => ({
  datanetId,
  contributor,
  amount,
});

describe("createAttributionFold", () => {
  const key = attributionFoldKey(block, tx, 7n);

  it("gives the entries of a complete inference once, then forgets them", () => {
    const fold = createAttributionFold();
    fold.add(key, 0, share(1n, alice, 5n));
    fold.add(key, 1, share(2n, bob, 0n));
    expect(fold.take(key, 2)).toEqual([share(1n, alice, 5n), share(2n, bob, 0n)]);
    expect(fold.take(key, 2)).toBeUndefined();
  });

  it("answers undefined for an incomplete set, so the caller reads the index", () => {
    const fold = createAttributionFold();
    fold.add(key, 3, share(1n, alice, 5n));
    expect(fold.take(key, 2)).toBeUndefined();
    // Nothing seen at all (a process started between the entries and the inference).
    expect(createAttributionFold().take(key, 1)).toBeUndefined();
  });

  it("counts an entry indexed again (a retried batch) once", () => {
    const fold = createAttributionFold();
    fold.add(key, 0, share(1n, alice, 5n));
    fold.add(key, 1, share(1n, bob, 6n));
    fold.add(key, 0, share(1n, alice, 5n));
    fold.add(key, 1, share(1n, bob, 6n));
    expect(fold.take(key, 2)).toEqual([share(1n, alice, 5n), share(1n, bob, 6n)]);
  });

  it("never mixes inferences, transactions or blocks", () => {
    const other = [
      attributionFoldKey(block, tx, 8n),
      attributionFoldKey(block, `0x${"cc".repeat(32)}`, 7n),
      attributionFoldKey(`0x${"dd".repeat(32)}`, tx, 7n),
    ];
    for (const k of other) {
      const fold = createAttributionFold();
      fold.add(k, 0, share(1n, alice, 5n));
      fold.add(key, 1, share(1n, bob, 6n));
      expect(fold.take(key, 2)).toBeUndefined();
      expect(fold.take(k, 1)).toBeUndefined();
    }
  });

  it("over random sequences with repeats and interruptions, gives exactly the distinct entries or nothing", () => {
    const random = createRandom("attributionFold");
    for (let round = 0; round < 300; round++) {
      const fold = createAttributionFold();
      const n = random.int(1, 40);
      const entries = Array.from({ length: n }, () =>
        share(BigInt(random.int(1, 3)), random.pick([alice, bob]), BigInt(random.int(0, 1000))),
      );
      // A batch may be indexed again from any entry on; some rounds start (as after a restart) part-way through.
      const from = random.chance(0.2) ? random.int(1, n - 1 || 1) : 0;
      for (let i = from; i < n; i++) fold.add(key, i, entries[i]!);
      const retryFrom = random.int(from, n - 1);
      if (random.chance(0.5)) for (let i = retryFrom; i < n; i++) fold.add(key, i, entries[i]!);
      const taken = fold.take(key, n);
      if (from === 0) expect(taken).toEqual(entries);
      else expect(taken).toBeUndefined();
    }
  });
});

describe("sumShares", () => {
  it("sums per Datanet and per contributor, zero amounts included", () => {
    const { byDatanet, byContributor } = sumShares([
      share(1n, alice, 5n),
      share(2n, alice, 0n),
      share(1n, bob, 7n),
      share(2n, bob, 1n),
    ]);
    expect([...byDatanet]).toEqual([
      [1n, 12n],
      [2n, 1n],
    ]);
    expect([...byContributor]).toEqual([
      [alice, 5n],
      [bob, 8n],
    ]);
    expect(sumShares([]).byDatanet.size).toBe(0);
  });
});
