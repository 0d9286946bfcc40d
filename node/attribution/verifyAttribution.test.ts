import { describe, expect, it } from "vitest";
import { attributeSpans } from "./attributeSpans.ts";
import { buildAttributionIndex } from "./buildAttributionIndex.ts";
import { createByteTokenizer } from "./createByteTokenizer.ts";
import { verifyAttribution } from "./verifyAttribution.ts";

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
});
