import { describe, expect, it } from "vitest";
import {
  buildAttributionIndex,
  createAttributionEngine,
  createTiktokenTokenizer,
} from "../attribution/index.ts";
import { syntheticText } from "../worker/validation/syntheticText.ts";
import { buildAttributionClaim } from "./buildAttributionClaim.ts";

const tokenizer = createTiktokenTokenizer();
const enc = new TextEncoder();
const texts = [syntheticText(11, 300), syntheticText(12, 300), syntheticText(13, 300)];
const corpus = texts.map((t, i) => ({
  contributionId: BigInt(i + 1),
  format: "text" as const,
  content: enc.encode(t),
}));
const engine = createAttributionEngine({
  index: buildAttributionIndex({ tokenizer, contributions: corpus }),
});
const quote = (t: string, from: number) =>
  t
    .split(" ")
    .slice(from, from + 30)
    .join(" ");

describe("buildAttributionClaim", () => {
  const output = `${syntheticText(99, 10)} ${quote(texts[0]!, 20)} ${syntheticText(98, 8)} ${quote(texts[2]!, 50)}.`;

  it("an honest claim is what the workers' engine verifies", () => {
    const claim = buildAttributionClaim({ tokenizer, corpus, output })!;
    expect(claim.contributionIds).toEqual([1n, 3n]);
    expect(engine.verify({ output, ...claim }).valid).toBe(true);
  });

  it("a dishonest claim stays well-formed but fails verification", () => {
    for (const out of [output, `${syntheticText(97, 10)} ${quote(texts[1]!, 40)}.`]) {
      const claim = buildAttributionClaim({ tokenizer, corpus, output: out, dishonest: true })!;
      expect(claim.weights.reduce((a, b) => a + b, 0n)).toBe(1_000_000n);
      expect([...claim.contributionIds].sort((a, b) => (a < b ? -1 : 1))).toEqual(claim.contributionIds);
      expect(engine.verify({ output: out, ...claim }).valid).toBe(false);
    }
  });

  it("claims nothing for an output that quotes nothing", () => {
    expect(
      buildAttributionClaim({ tokenizer, corpus, output: "entirely unrelated words here" }),
    ).toBeUndefined();
  });
});
