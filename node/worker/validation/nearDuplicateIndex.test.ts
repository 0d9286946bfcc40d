import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeSignature, SLOTS, similarityBps } from "./minhash.ts";
import {
  createNearDuplicateIndex,
  fingerprintText,
  nearDuplicateIndexFromBytes,
} from "./nearDuplicateIndex.ts";
import { mutateWords, syntheticText } from "./syntheticText.ts";
import { computeTextFeatures, normalizeText } from "./textFeatures.ts";
import { NearDuplicateIndexFormatError, ValidationInputError } from "./validationErrors.ts";

const THRESHOLD = 6000;

describe("MinHash signature", () => {
  it("estimates the Jaccard similarity of shingle sets within 3 standard errors", () => {
    const range = (from: number, to: number) =>
      Uint32Array.from({ length: to - from }, (_, i) => (from + i) * 2654435761);
    // |A∩B| / |A∪B| = 500 / 1500
    const s = similarityBps(computeSignature(range(0, 1000))!, computeSignature(range(500, 1500))!);
    expect(Math.abs(s - 3333)).toBeLessThan(1250);
    expect(similarityBps(computeSignature(range(0, 1000))!, computeSignature(range(0, 1000))!)).toBe(10000);
    expect(
      similarityBps(computeSignature(range(0, 1000))!, computeSignature(range(5000, 6000))!),
    ).toBeLessThan(500);
    expect(computeSignature(new Uint32Array(0))).toBeUndefined();
    expect(computeSignature(range(0, 1))).toHaveLength(SLOTS);
  });

  it("hashes the same normalised text the way normalizeText() describes it", () => {
    const text = "  Ｃafé\tAND  cafe\u00a0\n\nZürich 𝐁old  ";
    const expected = createHash("sha256").update(normalizeText(text), "utf8").digest("hex");
    expect(computeTextFeatures(text).contentHash).toBe(`0x${expected}`);
    expect(computeTextFeatures(text).wordCount).toBe(5);
  });
});

describe("NearDuplicateIndex", () => {
  it("flags 5%-edited copies and not unrelated texts: false negative and positive rates on 300 pairs each", () => {
    const index = createNearDuplicateIndex();
    const n = 300;
    const bases = Array.from({ length: n }, (_, i) => syntheticText(1000 + i, 250));
    for (const [i, t] of bases.entries()) index.add(BigInt(i), t);
    let falseNegatives = 0;
    let falsePositives = 0;
    const copySimilarities: number[] = [];
    for (let i = 0; i < n; i++) {
      const [top] = index.query(mutateWords(bases[i]!, 0.05, i), { minSimilarityBps: THRESHOLD });
      if (top?.contributionId !== BigInt(i)) falseNegatives++;
      copySimilarities.push(top?.similarityBps ?? 0);
      const unrelated = index.query(syntheticText(50_000 + i, 250), { minSimilarityBps: THRESHOLD });
      if (unrelated.length > 0) falsePositives++;
    }
    const mean = Math.round(copySimilarities.reduce((a, b) => a + b, 0) / n);
    console.log(
      `near-duplicates over ${n}+${n} pairs: false negatives ${falseNegatives}/${n}, false positives ${falsePositives}/${n}, mean similarity of copies ${mean} bps`,
    );
    expect(falseNegatives / n).toBeLessThanOrEqual(0.01);
    expect(falsePositives / n).toBeLessThanOrEqual(0.005);
  });

  it("ranks by similarity then id, whatever the insertion order", () => {
    const base = syntheticText(1, 300);
    const entries: [bigint, string][] = [
      [5n, base],
      [2n, base],
      [9n, mutateWords(base, 0.02, 1)],
      [1n, syntheticText(2, 300)],
    ];
    const forward = createNearDuplicateIndex();
    const backward = createNearDuplicateIndex();
    for (const [id, t] of entries) forward.add(id, t);
    for (const [id, t] of [...entries].reverse()) backward.add(id, t);
    const q = forward.query(base);
    expect(q.map((c) => c.contributionId)).toEqual([2n, 5n, 9n]);
    expect(q[0]!.similarityBps).toBe(10000);
    expect(backward.query(base)).toEqual(q);
    expect(forward.exactMatch(fingerprintText(base).contentHash)).toBe(2n);
    expect(backward.exactMatch(fingerprintText(base).contentHash)).toBe(2n);
    expect(forward.exactMatch(fingerprintText(base).contentHash, { excludeId: 2n })).toBe(5n);
    expect(forward.query(base, { excludeId: 2n })[0]!.contributionId).toBe(5n);
    expect(forward.hasExactHash(fingerprintText(base).contentHash)).toBe(true);
    expect(forward.hasExactHash(fingerprintText("something else entirely").contentHash)).toBe(false);
  });

  it("ignores a second add of the same id and rejects ids outside uint256", () => {
    const index = createNearDuplicateIndex();
    expect(index.add(1n, "one text here")).toBe(true);
    expect(index.add(1n, "another text")).toBe(false);
    expect(index.size).toBe(1);
    expect(() => index.add(-1n, "x")).toThrow(ValidationInputError);
    expect(() => index.add(1n << 256n, "x")).toThrow(ValidationInputError);
  });

  it("keeps texts without words for exact matching only", () => {
    const index = createNearDuplicateIndex();
    index.add(1n, "!!! ???");
    expect(index.exactMatch(fingerprintText("!!!   ???").contentHash)).toBe(1n);
    expect(index.query("!!! ???")).toEqual([]);
  });

  it("round-trips through toBytes/fromBytes with identical answers", () => {
    const index = createNearDuplicateIndex();
    for (let i = 0; i < 50; i++) index.add(BigInt(i) * 1_000_000_007n, syntheticText(i, 120));
    index.add(0n, "");
    index.add((1n << 256n) - 1n, "max id");
    const bytes = index.toBytes();
    const loaded = nearDuplicateIndexFromBytes(bytes);
    expect(loaded.size).toBe(index.size);
    expect(loaded.toBytes()).toEqual(bytes);
    for (const probe of [syntheticText(3, 120), mutateWords(syntheticText(7, 120), 0.05, 1), "max id"]) {
      expect(loaded.query(probe)).toEqual(index.query(probe));
      expect(loaded.exactMatch(fingerprintText(probe).contentHash)).toEqual(
        index.exactMatch(fingerprintText(probe).contentHash),
      );
    }
    expect(loaded.has((1n << 256n) - 1n)).toBe(true);
    expect(loaded.has(0n)).toBe(true);
  });

  it("refuses corrupt, truncated and future-version bytes with a hint", () => {
    const index = createNearDuplicateIndex();
    index.add(1n, syntheticText(1, 50));
    const bytes = index.toBytes();
    const future = Uint8Array.from(bytes);
    future[5] = 2;
    const cases = [
      new Uint8Array(0),
      Uint8Array.from(bytes).fill(0, 0, 4),
      bytes.subarray(0, bytes.length - 1),
      future,
      Uint8Array.from([...bytes, 0]),
    ];
    for (const bad of cases) {
      expect(() => nearDuplicateIndexFromBytes(bad)).toThrow(NearDuplicateIndexFormatError);
    }
    try {
      nearDuplicateIndexFromBytes(future);
    } catch (e) {
      expect((e as NearDuplicateIndexFormatError).hint).toMatch(/rebuild/);
      expect((e as Error).message).toMatch(/version 2/);
    }
  });
});
