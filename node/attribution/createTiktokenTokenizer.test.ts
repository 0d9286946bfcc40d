import { createRequire } from "node:module";
import type { TiktokenBPE } from "js-tiktoken/lite";
import { describe, expect, it } from "vitest";
import { createTiktokenTokenizer } from "./createTiktokenTokenizer.ts";

describe("createTiktokenTokenizer", () => {
  it("encodes with the cl100k ranks shipped in the package, round-trips unicode, and treats special tokens as text", () => {
    const t = createTiktokenTokenizer();
    expect(Array.from(t.encode("hello world"))).toEqual([15339, 1917]);
    const text = "naïve 東京 🦀 <|endoftext|>";
    expect(t.decode(t.encode(text))).toBe(text);
    expect(Array.from(t.encode("<|endoftext|>"))).not.toContain(100257);
    const ranks = createRequire(import.meta.url)("js-tiktoken/ranks/cl100k_base") as TiktokenBPE;
    expect(t.vocabSize).toBe(Math.max(...Object.values(ranks.special_tokens)) + 1);
  });
});
