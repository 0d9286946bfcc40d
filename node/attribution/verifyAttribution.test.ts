import { describe, expect, it } from "vitest";
import { createRandom } from "../../test/fixtures/syntheticCorpus.ts";
import { type AttributionResult, attributeSpans } from "./attributeSpans.ts";
import { AttributionInputError } from "./attributionErrors.ts";
import { buildAttributionIndex } from "./buildAttributionIndex.ts";
import type { Corpus } from "./buildCorpus.ts";
import { createAttributionEngine } from "./createAttributionEngine.ts";
import { type AttributionIndex, createAttributionIndex } from "./createAttributionIndex.ts";
import { createByteTokenizer } from "./createByteTokenizer.ts";
import { buildIndexShard } from "./indexShard.ts";
import { spanResultRoot } from "./resultRoot.ts";
import { type AttributionClaim, verifyAttribution } from "./verifyAttribution.ts";

/** Documents of random tokens over [0, k) (separator k), contributions ascending by id: the canonical layout. */
function randomIndex(random: () => number, k: number, docs: number, maxLen: number) {
  const texts: number[][] = [];
  for (let d = 0; d < docs; d++) {
    // Some documents repeat an earlier one (the same text in two contributions), so spans recur.
    const copy = d > 0 && random() < 0.3 ? texts[Math.floor(random() * d)] : undefined;
    texts.push(
      copy
        ? [...copy]
        : Array.from({ length: 1 + Math.floor(random() * maxLen) }, () => Math.floor(random() * k)),
    );
  }
  const tokens: number[] = [];
  const starts: number[] = [];
  for (const t of texts) {
    starts.push(tokens.length);
    tokens.push(...t, k);
  }
  const corpus: Corpus = {
    tokens: Uint32Array.from(tokens),
    docStarts: Uint32Array.from([...starts, tokens.length]),
    // Two documents per contribution, ids 1, 2, …
    docContributions: Uint32Array.from(texts.map((_, d) => d >> 1)),
    contributionIds: Array.from({ length: (docs + 1) >> 1 }, (_, i) => BigInt(i + 1)),
  };
  const index = createAttributionIndex({
    tokenizerId: "t",
    separator: k,
    shards: [buildIndexShard(corpus, k)],
  });
  return { index, texts };
}

/** An output that mixes pieces copied from the documents (up to 24 tokens) with random tokens. */
function randomOutput(random: () => number, texts: number[][], k: number, length: number): Uint32Array {
  const out: number[] = [];
  while (out.length < length) {
    const d = texts[Math.floor(random() * texts.length)]!;
    if (random() < 0.6) {
      const from = Math.floor(random() * d.length);
      out.push(...d.slice(from, from + 1 + Math.floor(random() * 24)));
    } else out.push(Math.floor(random() * k));
  }
  return Uint32Array.from(out);
}

const claimOf = (output: Uint32Array, r: AttributionResult): AttributionClaim => ({
  output,
  contributionIds: r.entries.map((e) => e.contributionId),
  weights: r.entries.map((e) => e.weightPpm),
  spans: r.spans,
  resultRoot: r.resultRoot,
});

const sameEntries = (a: AttributionResult, b: AttributionResult) =>
  JSON.stringify(a.entries, (_, v) => (typeof v === "bigint" ? `${v}` : v)) ===
  JSON.stringify(b.entries, (_, v) => (typeof v === "bigint" ? `${v}` : v));

const tokenizer = createByteTokenizer();
const index = buildAttributionIndex({
  contributions: [
    { contributionId: 10n, format: "text", content: "alpha beta gamma delta epsilon zeta eta theta" },
    { contributionId: 20n, format: "text", content: "one two three four five six seven eight nine ten" },
    { contributionId: 30n, format: "text", content: "zeta eta theta iota kappa, one two three four" },
  ],
  tokenizer,
});
const output = tokenizer.encode("we got: gamma delta epsilon zeta eta theta iota, and five six seven eight!");
const result = attributeSpans(index, output);
const claim = () => ({
  output,
  contributionIds: result.entries.map((e) => e.contributionId),
  weights: result.entries.map((e) => e.weightPpm),
  spans: result.spans,
  resultRoot: result.resultRoot,
});

describe("verifyAttribution", () => {
  it("accepts an honest claim, with or without its spans", () => {
    expect(result.entries.map((e) => e.contributionId)).toEqual([10n, 20n, 30n]);
    expect(verifyAttribution(claim(), index)).toMatchObject({ valid: true });
    const { spans: _, ...bare } = claim();
    expect(verifyAttribution(bare, index).valid).toBe(true);
  });

  it("rejects changed weights, a missing contribution and a wrong root, saying what it expected", () => {
    const shifted = claim();
    shifted.weights = [shifted.weights[0]! + 1, shifted.weights[1]! - 1, shifted.weights[2]!];
    const v = verifyAttribution(shifted, index);
    expect(v).toMatchObject({ valid: false, code: "ENTRIES_MISMATCH" });
    if (!v.valid) expect(v.reason).toMatch(/expected \[10:/);
    const dropped = claim();
    dropped.contributionIds = [10n, 20n];
    dropped.weights = [500_000, 500_000];
    expect(verifyAttribution(dropped, index)).toMatchObject({ valid: false, code: "ENTRIES_MISMATCH" });
    expect(verifyAttribution({ ...claim(), resultRoot: `0x${"11".repeat(32)}` }, index)).toMatchObject({
      code: "ROOT_MISMATCH",
    });
  });

  it("rejects malformed claims: unsorted ids, bad sum, length mismatch", () => {
    const c = claim();
    expect(
      verifyAttribution({ ...c, contributionIds: [...c.contributionIds].reverse() }, index),
    ).toMatchObject({
      code: "MALFORMED_CLAIM",
    });
    expect(verifyAttribution({ ...c, weights: [1, 2, 3] }, index)).toMatchObject({ code: "MALFORMED_CLAIM" });
    expect(verifyAttribution({ ...c, weights: [1] }, index)).toMatchObject({ code: "MALFORMED_CLAIM" });
  });

  it("checks each published span against the corpus, for length, for maximality and for its weight", () => {
    const [first] = result.spans;
    expect(first).toBeDefined();
    const moved = { ...first!, corpusPosition: first!.corpusPosition + 1 };
    expect(verifyAttribution({ ...claim(), spans: [moved] }, index)).toMatchObject({
      code: "SPAN_NOT_IN_CORPUS",
    });
    const shorter = {
      ...first!,
      start: first!.start + 1,
      length: first!.length - 1,
      corpusPosition: first!.corpusPosition + 1,
    };
    expect(verifyAttribution({ ...claim(), spans: [shorter] }, index)).toMatchObject({
      code: "SPAN_NOT_MAXIMAL",
    });
    const tiny = { ...first!, length: 3 };
    expect(verifyAttribution({ ...claim(), spans: [tiny] }, index)).toMatchObject({ code: "SPAN_TOO_SHORT" });
    const heavier = { ...first!, weight: first!.weight + 1n };
    expect(verifyAttribution({ ...claim(), spans: [heavier] }, index)).toMatchObject({
      code: "SPAN_MISMATCH",
    });
    const outside = { ...first!, corpusPosition: index.size };
    expect(verifyAttribution({ ...claim(), spans: [outside] }, index)).toMatchObject({
      code: "SPAN_OUT_OF_RANGE",
    });
  });

  it("accepts an honest 'no attribution' claim and rejects a made-up one", () => {
    const nothing = tokenizer.encode("nothing in common with the corpus here: qqqq");
    expect(verifyAttribution({ output: nothing, contributionIds: [], weights: [] }, index).valid).toBe(true);
    expect(
      verifyAttribution({ output: nothing, contributionIds: [20n], weights: [1_000_000] }, index),
    ).toMatchObject({
      code: "ENTRIES_MISMATCH",
    });
  });

  it("applies the protocol's parameters, never a claim's: claims built with a shorter L do not verify", () => {
    const random = createRandom(2015);
    let differing = 0;
    for (let it = 0; it < 150; it++) {
      const k = [4, 8, 50][it % 3]!;
      const { index: idx, texts } = randomIndex(random, k, 2 + Math.floor(random() * 10), 60);
      const output = randomOutput(random, texts, k, 40 + Math.floor(random() * 40));
      const honest = attributeSpans(idx, output);
      expect(verifyAttribution(claimOf(output, honest), idx)).toMatchObject({ valid: true });
      const L = 1 + Math.floor(random() * 7);
      const bent = attributeSpans(idx, output, { minSpanLength: L });
      // Carrying its parameters along is refused outright: a claim does not choose the rules.
      const withOptions = { ...claimOf(output, bent), options: { minSpanLength: L } } as AttributionClaim;
      expect(verifyAttribution(withOptions, idx)).toMatchObject({ valid: false, code: "MALFORMED_CLAIM" });
      // An engine made with L = 1 for exploring still judges by the protocol's L = 8.
      const explorer = createAttributionEngine({
        index: idx,
        tokenizer: { id: "t", vocabSize: k, encode: () => new Uint32Array(0), decode: () => "" },
        options: { minSpanLength: 1 },
      });
      expect(explorer.verify(claimOf(output, honest)).valid).toBe(true);
      if (sameEntries(bent, honest) && bent.spans.length === honest.spans.length) continue;
      differing++;
      const verdict = verifyAttribution(claimOf(output, bent), idx);
      expect(verdict.valid).toBe(false);
      expect(explorer.verify(claimOf(output, bent)).valid).toBe(false);
      const { spans: _, resultRoot: __, ...entriesOnly } = claimOf(output, bent);
      if (!sameEntries(bent, honest)) expect(verifyAttribution(entriesOnly, idx).valid).toBe(false);
    }
    expect(differing).toBeGreaterThan(50);
  });

  it("requires each span at its first occurrence, and a root that covers spans and their positions", () => {
    const random = createRandom(77);
    let moved = 0;
    for (let it = 0; it < 150; it++) {
      const k = [2, 3, 6][it % 3]!;
      const { index: idx, texts } = randomIndex(random, k, 4 + Math.floor(random() * 10), 80);
      const output = randomOutput(random, texts, k, 60);
      const honest = attributeSpans(idx, output);
      for (const [n, span] of honest.spans.entries()) {
        const occ = idx.occurrences(output, span.start, span.length, 1 << 20);
        expect(span.corpusPosition).toBe(occ.positions![0]);
        const other = occ.positions!.find((p) => p !== span.corpusPosition);
        if (other === undefined) continue;
        moved++;
        // The same tokens at another occurrence: a real match, but not the one the rules name.
        const elsewhere = { ...span, corpusPosition: other };
        expect(verifyAttribution({ ...claimOf(output, honest), spans: [elsewhere] }, idx)).toMatchObject({
          valid: false,
          code: "SPAN_POSITION_MISMATCH",
        });
        // Moved in a result whose root the claimant recomputed: the entries still match, the root does not.
        const spans = honest.spans.map((s, i) => (i === n ? elsewhere : s));
        const bentRoot = spanResultRoot({ ...honest, spans });
        expect(bentRoot).not.toBe(honest.resultRoot);
        const { spans: _, ...rootOnly } = { ...claimOf(output, honest), resultRoot: bentRoot };
        expect(verifyAttribution(rootOnly, idx)).toMatchObject({ valid: false, code: "ROOT_MISMATCH" });
        break;
      }
    }
    expect(moved).toBeGreaterThan(50);
  });

  it("refuses to judge on an index whose layout is not canonical (contributions out of id order)", () => {
    const k = 5;
    const shard = (id: bigint, t: number[]) =>
      buildIndexShard(
        {
          tokens: Uint32Array.from([...t, k]),
          docStarts: Uint32Array.from([0, t.length + 1]),
          docContributions: Uint32Array.of(0),
          contributionIds: [id],
        },
        k,
      );
    const idx: AttributionIndex = createAttributionIndex({
      tokenizerId: "t",
      separator: k,
      shards: [shard(2n, [1, 2, 3]), shard(1n, [1, 2, 3])],
    });
    const output = Uint32Array.of(1, 2, 3);
    expect(() => verifyAttribution({ output, contributionIds: [], weights: [] }, idx)).toThrow(
      AttributionInputError,
    );
    expect(() => verifyAttribution({ output, contributionIds: [], weights: [] }, idx.merged())).toThrow(
      /canonical layout/,
    );
  });
});
