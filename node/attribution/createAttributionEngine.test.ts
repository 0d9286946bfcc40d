import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AttributionInputError } from "./attributionErrors.ts";
import { buildAttributionIndex } from "./buildAttributionIndex.ts";
import { createAttributionEngine, loadAttributionEngine } from "./createAttributionEngine.ts";
import { createByteTokenizer } from "./createByteTokenizer.ts";
import { createTiktokenTokenizer } from "./createTiktokenTokenizer.ts";
import { resultHash } from "./encodeAttributionResult.ts";

const dir = mkdtempSync(join(tmpdir(), "attribution-engine-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("createAttributionEngine", () => {
  it("attributes, verifies, grows by shards, merges, saves and loads, with the same answers throughout", () => {
    const tokenizer = createByteTokenizer();
    const first = [
      { contributionId: 1n, format: "text" as const, content: "the first batch talks about rivers and dams" },
    ];
    const second = [
      { contributionId: 2n, format: "text" as const, content: "the second batch talks about mountains" },
    ];
    const engine = createAttributionEngine({
      index: buildAttributionIndex({ contributions: first, tokenizer }),
    });
    const grown = engine.addContributions(second);
    expect(grown.index.shards.length).toBe(2);
    const output = "a story: the first batch talks about rivers, the second batch talks about mountains.";
    const result = grown.attribute(output);
    expect(result.entries.map((e) => e.contributionId)).toEqual([1n, 2n]);
    const claim = {
      output,
      contributionIds: result.entries.map((e) => e.contributionId),
      weights: result.entries.map((e) => e.weightPpm),
    };
    expect(grown.verify(claim).valid).toBe(true);
    expect(engine.verify(claim)).toMatchObject({ valid: false, code: "ENTRIES_MISMATCH" });

    const merged = grown.merge();
    expect(merged.index.shards.length).toBe(1);
    expect(resultHash(merged.attribute(output))).toBe(resultHash(result));
    const path = join(dir, "engine.idx");
    merged.save(path);
    const loaded = loadAttributionEngine(path);
    expect(loaded.tokenizer.id).toBe("utf8-bytes");
    expect(resultHash(loaded.attribute(Array.from(tokenizer.encode(output))))).toBe(resultHash(result));
  });

  it("refuses a tokenizer that does not match the index, and token ids that are not ids", () => {
    const index = buildAttributionIndex({ contributions: [], tokenizer: createByteTokenizer() });
    expect(() => createAttributionEngine({ index, tokenizer: createTiktokenTokenizer() })).toThrow(
      AttributionInputError,
    );
    const engine = createAttributionEngine({ index });
    expect(() => engine.attribute([1, -2, 3])).toThrow(/non-negative integers/);
  });
});
