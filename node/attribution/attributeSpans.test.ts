import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { attributeSpans } from "./attributeSpans.ts";
import { buildAttributionIndex } from "./buildAttributionIndex.ts";
import type { Corpus } from "./buildCorpus.ts";
import { createAttributionIndex } from "./createAttributionIndex.ts";
import { createByteTokenizer } from "./createByteTokenizer.ts";
import { createTiktokenTokenizer } from "./createTiktokenTokenizer.ts";
import { buildIndexShard } from "./indexShard.ts";
import { log2Fixed } from "./log2Fixed.ts";
import { normaliseToPpm, PPM } from "./normaliseToPpm.ts";
import { spanResultRoot } from "./resultRoot.ts";
import { verifyAttribution } from "./verifyAttribution.ts";

/** Random documents over [0, k) with contribution ids; separator = k. */
function randomDocs(random: () => number, k: number, docs: number, maxLen: number) {
  return Array.from({ length: docs }, (_, d) => ({
    id: BigInt(1 + Math.floor(d / 2)),
    tokens: Array.from({ length: Math.floor(random() * maxLen) }, () => Math.floor(random() * k)),
  }));
}

function corpusOf(docs: { id: bigint; tokens: number[] }[], sep: number): Corpus {
  const tokens: number[] = [];
  const starts: number[] = [];
  const owners: number[] = [];
  const ids = [...new Set(docs.map((d) => d.id))].sort((a, b) => (a < b ? -1 : 1));
  for (const d of docs) {
    if (d.tokens.length === 0) continue;
    starts.push(tokens.length);
    owners.push(ids.indexOf(d.id));
    tokens.push(...d.tokens, sep);
  }
  return {
    tokens: Uint32Array.from(tokens),
    docStarts: Uint32Array.from([...starts, tokens.length]),
    docContributions: Uint32Array.from(owners),
    contributionIds: ids,
  };
}

/** The whole attribution recomputed by scanning every document: no suffix array involved. */
function bruteAttribute(
  docs: { id: bigint; tokens: number[] }[],
  out: Uint32Array,
  L: number,
  maxEntries: number,
) {
  const all = docs.flatMap((d) => d.tokens);
  const count = (t: number) => all.filter((x) => x === t).length;
  const m = out.length;
  const matchAt = (i: number) => {
    let best = 0;
    for (const d of docs) {
      for (let p = 0; p < d.tokens.length; p++) {
        let k = 0;
        while (i + k < m && p + k < d.tokens.length && d.tokens[p + k] === out[i + k]) k++;
        best = Math.max(best, k);
      }
    }
    return best;
  };
  const len = Array.from({ length: m }, (_, i) => matchAt(i));
  const spans: { start: number; length: number; ids: bigint[]; weight: bigint }[] = [];
  const scores = new Map<bigint, bigint>();
  for (let i = 0; i < m; i++) {
    if (len[i]! < L || (i > 0 && len[i - 1]! >= len[i]! + 1)) continue;
    const ids = new Set<bigint>();
    for (const d of docs) {
      for (let p = 0; p + len[i]! <= d.tokens.length; p++) {
        let k = 0;
        while (k < len[i]! && d.tokens[p + k] === out[i + k]) k++;
        if (k === len[i]) ids.add(d.id);
      }
    }
    let weight = 0;
    for (let k = i; k < i + len[i]!; k++) weight += log2Fixed(all.length) - log2Fixed(count(out[k]!));
    const sorted = [...ids].sort((a, b) => (a < b ? -1 : 1));
    spans.push({ start: i, length: len[i]!, ids: sorted, weight: BigInt(weight) });
    const share = (BigInt(weight) << 20n) / BigInt(sorted.length);
    for (const id of sorted) scores.set(id, (scores.get(id) ?? 0n) + share);
  }
  return { spans, entries: normaliseToPpm(scores, maxEntries) };
}

describe("attributeSpans", () => {
  it("equals a brute-force scan on 300 random corpora and outputs (tiny and large alphabets)", () => {
    const random = createRandom(42);
    for (let it = 0; it < 300; it++) {
      const k = [2, 3, 5, 1000][it % 4]!;
      const docs = randomDocs(random, k, 1 + Math.floor(random() * 8), 40);
      const index = createAttributionIndex({
        tokenizerId: "test",
        separator: k,
        shards: [buildIndexShard(corpusOf(docs, k), k)],
      });
      // Outputs mix copied document pieces with random tokens, so long spans do occur.
      const out: number[] = [];
      while (out.length < 40) {
        const d = docs[Math.floor(random() * docs.length)]!.tokens;
        if (random() < 0.5 && d.length > 0) {
          const from = Math.floor(random() * d.length);
          out.push(...d.slice(from, from + 1 + Math.floor(random() * 15)));
        } else out.push(Math.floor(random() * k));
      }
      const output = Uint32Array.from(out);
      const L = 1 + Math.floor(random() * 5);
      const maxEntries = 1 + Math.floor(random() * 4);
      const got = attributeSpans(index, output, { minSpanLength: L, maxEntries });
      const want = bruteAttribute(docs, output, L, maxEntries);
      expect(
        got.spans.map((s) => ({
          start: s.start,
          length: s.length,
          ids: s.contributionIds,
          weight: s.weight,
        })),
      ).toEqual(want.spans);
      expect(got.entries).toEqual(want.entries);
      if (got.entries.length > 0) {
        expect(got.entries.reduce((a, e) => a + e.weightPpm, 0)).toBe(PPM);
      }
      expect(got.resultRoot).toBe(spanResultRoot(got));
      for (const s of got.spans) {
        for (let j = 0; j < s.length; j++)
          expect(index.tokenAt(s.corpusPosition + j)).toBe(output[s.start + j]);
      }
    }
  });

  it("gives identical results from one index, from shards, and from shards merged", () => {
    const random = createRandom(5);
    let attributed = 0;
    for (let it = 0; it < 60; it++) {
      const k = [3, 40][it % 2]!;
      const docs = randomDocs(random, k, 12, 60);
      const cut1 = Math.floor(random() * docs.length);
      const cut2 = cut1 + Math.floor(random() * (docs.length - cut1));
      const batches = [docs.slice(0, cut1), docs.slice(cut1, cut2), docs.slice(cut2)];
      const one = createAttributionIndex({
        tokenizerId: "t",
        separator: k,
        shards: [buildIndexShard(corpusOf(docs, k), k)],
      });
      let sharded = createAttributionIndex({ tokenizerId: "t", separator: k });
      for (const b of batches) sharded = sharded.withShard(corpusOf(b, k));
      const merged = sharded.merged();
      expect(merged.shards.length).toBeLessThanOrEqual(1);
      const output = Uint32Array.from(
        { length: 50 },
        (_, i) => docs[i % docs.length]!.tokens[i % 7] ?? i % k,
      );
      const options = { minSpanLength: 2 };
      const a = attributeSpans(one, output, options);
      expect(attributeSpans(sharded, output, options)).toEqual(a);
      expect(attributeSpans(merged, output, options)).toEqual(a);
      if (a.attributed) attributed++;
    }
    expect(attributed).toBeGreaterThan(30);
  });

  it("reports no attribution for an empty corpus, a short output, and an output the corpus lacks", () => {
    const tokenizer = createByteTokenizer();
    const empty = buildAttributionIndex({ contributions: [], tokenizer });
    const none = attributeSpans(empty, tokenizer.encode("anything at all, long enough"));
    expect(none).toMatchObject({
      attributed: false,
      entries: [],
      spans: [],
      resultRoot: spanResultRoot({ ...none, entries: [], spans: [] }),
    });
    const index = buildAttributionIndex({
      contributions: [{ contributionId: 9n, format: "text", content: "exactly this text" }],
      tokenizer,
    });
    expect(attributeSpans(index, tokenizer.encode("exactly")).attributed).toBe(false); // 7 < L = 8
    expect(attributeSpans(index, tokenizer.encode("zzzzzzzzzzzzzzzzzz")).attributed).toBe(false);
    expect(attributeSpans(index, new Uint32Array(0)).attributed).toBe(false);
    const hit = attributeSpans(index, tokenizer.encode("say exactly this text"));
    expect(hit.entries).toEqual([{ contributionId: 9n, weightPpm: PPM }]);
  });

  it("never matches across documents, even when the output contains the separator", () => {
    const tokenizer = createByteTokenizer();
    const index = buildAttributionIndex({
      contributions: [
        { contributionId: 1n, format: "text", content: "aaaaaaaaaa" },
        { contributionId: 2n, format: "text", content: "bbbbbbbbbb" },
      ],
      tokenizer,
    });
    const result = attributeSpans(index, tokenizer.encode("aaaaaaaaaabbbbbbbbbb"), { minSpanLength: 4 });
    expect(result.spans.map((s) => [s.start, s.length])).toEqual([
      [0, 10],
      [10, 10],
    ]);
    const withSep = Uint32Array.from([...tokenizer.encode("aaaaaa"), 256, ...tokenizer.encode("aaaaaa")]);
    const r2 = attributeSpans(index, withSep, { minSpanLength: 4 });
    expect(r2.spans.map((s) => [s.start, s.length])).toEqual([
      [0, 6],
      [7, 6],
    ]);
  });

  it("traces unicode text through the cl100k tokenizer", () => {
    const tokenizer = createTiktokenTokenizer();
    const unicode = "Zürich's café serves crème brûlée; 東京の夜景は美しい。 🦀🚀 naïve façade — ok";
    const index = buildAttributionIndex({
      contributions: [
        { contributionId: 1n << 255n, format: "text", content: unicode },
        {
          contributionId: 2n,
          format: "jsonl",
          content: `${JSON.stringify({ text: "crème brûlée is a dessert" })}\n`,
        },
      ],
      tokenizer,
    });
    const r = attributeSpans(index, tokenizer.encode(`He said: ${unicode.slice(0, 60)} and then left`));
    expect(r.entries).toEqual([{ contributionId: 1n << 255n, weightPpm: PPM }]);
    expect(tokenizer.decode(tokenizer.encode(unicode))).toBe(unicode);
  });

  it("finds spans anywhere in one huge document (2M tokens)", () => {
    const tokenizer = createByteTokenizer();
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i} says x${(i * 7919) % 100_003}.`);
    const huge = lines.join("\n");
    const index = buildAttributionIndex({
      contributions: [
        { contributionId: 1n, format: "text", content: "line 49999 is not here" },
        { contributionId: 2n, format: "text", content: huge },
      ],
      tokenizer,
    });
    expect(index.tokenCount).toBeGreaterThan(1_000_000);
    for (const i of [0, 25_000, 49_999]) {
      const r = attributeSpans(index, tokenizer.encode(`>> ${lines[i]} <<`));
      expect(r.entries).toEqual([{ contributionId: 2n, weightPpm: PPM }]);
      expect(r.spans[0]!.length).toBe(lines[i]!.length);
    }
  });

  it("caps the entries deterministically and drops spans that occur too often", () => {
    const tokenizer = createByteTokenizer();
    const shared = "the shared sentence everyone copied";
    const contributions = Array.from({ length: 100 }, (_, i) => ({
      contributionId: BigInt(i + 1),
      format: "text" as const,
      content: `${i} unique prefix number ${i * 31}. ${shared}`,
    }));
    const index = buildAttributionIndex({ contributions, tokenizer });
    const output = tokenizer.encode(shared);
    const r = attributeSpans(index, output, { maxEntries: 64 });
    expect(r.entries.length).toBe(64);
    // Equal scores: the lowest ids win, then the leftover ppm goes to the lowest ids.
    expect(r.entries[0]!.contributionId).toBe(1n);
    expect(r.entries[63]!.contributionId).toBe(64n);
    expect(r.entries.reduce((a, e) => a + e.weightPpm, 0)).toBe(PPM);
    expect(attributeSpans(index, output, { maxSpanOccurrences: 99 }).attributed).toBe(false);
  });

  it("is not attributed when every span found weighs 0, and still lists those spans", () => {
    // One contribution of a single repeated token: that token carries no information (count = N).
    const tokenizer = createByteTokenizer();
    const index = buildAttributionIndex({
      contributions: [
        { contributionId: 1n, format: "text", content: "a".repeat(40) },
        { contributionId: 2n, format: "text", content: "a".repeat(40) },
      ],
      tokenizer,
    });
    const result = attributeSpans(index, tokenizer.encode(`${"a".repeat(12)}`));
    expect(result.spans).toMatchObject([{ start: 0, length: 12, weight: 0n, contributionIds: [1n, 2n] }]);
    expect(result).toMatchObject({ attributed: false, entries: [] });
    // "no attribution" is the honest claim; naming the contributions is not.
    expect(
      verifyAttribution({ output: tokenizer.encode("a".repeat(12)), contributionIds: [], weights: [] }, index)
        .valid,
    ).toBe(true);
    expect(
      verifyAttribution(
        { output: tokenizer.encode("a".repeat(12)), contributionIds: [1n, 2n], weights: [500_000, 500_000] },
        index,
      ).valid,
    ).toBe(false);
  });
});
