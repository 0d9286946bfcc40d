import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syntheticCorpus } from "../../test/fixtures/syntheticCorpus.ts";
import { attributeSpans } from "./attributeSpans.ts";
import { IndexFileError } from "./attributionErrors.ts";
import { createAttributionIndex } from "./createAttributionIndex.ts";
import { loadIndex, saveIndex } from "./indexFile.ts";

const dir = mkdtempSync(join(tmpdir(), "attribution-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleIndex() {
  let index = createAttributionIndex({ tokenizerId: "synthetic", separator: 500 });
  for (const seed of [1, 2]) {
    index = index.withShard(syntheticCorpus({ tokens: 20_000, vocabSize: 500, seed, meanDocLength: 300 }));
  }
  return index;
}

function expectIndexError(path: string, code: string) {
  try {
    loadIndex(path);
  } catch (error) {
    expect(error).toBeInstanceOf(IndexFileError);
    expect((error as IndexFileError).code).toBe(code);
    expect((error as IndexFileError).message).toMatch(/Hint: Rebuild/);
    return;
  }
  throw new Error(`loading ${path} did not fail`);
}

describe("index file", () => {
  it("round-trips every shard exactly and answers the same queries after loading", () => {
    const index = sampleIndex();
    const path = join(dir, "ok.idx");
    saveIndex(index, path);
    const loaded = loadIndex(path);
    expect(loaded.tokenizerId).toBe("synthetic");
    expect(loaded.shards.length).toBe(2);
    for (const [k, s] of index.shards.entries()) {
      const l = loaded.shards[k]!;
      expect(
        Buffer.from(l.tokens.buffer, l.tokens.byteOffset, l.tokens.byteLength).equals(
          Buffer.from(s.tokens.buffer),
        ),
      ).toBe(true);
      expect(Array.from(l.suffixArray)).toEqual(Array.from(s.suffixArray));
      expect(Array.from(l.docStarts)).toEqual(Array.from(s.docStarts));
      expect(l.contributionIds).toEqual(s.contributionIds);
    }
    const output = index.shards[1]!.tokens.slice(1000, 1500);
    expect(attributeSpans(loaded, output)).toEqual(attributeSpans(index, output));
    // Saving what was loaded reproduces the file byte for byte.
    saveIndex(loaded, join(dir, "again.idx"));
    expect(readFileSync(join(dir, "again.idx")).equals(readFileSync(path))).toBe(true);
  });

  it("round-trips an empty index", () => {
    const path = join(dir, "empty.idx");
    saveIndex(createAttributionIndex({ tokenizerId: "utf8-bytes", separator: 256 }), path);
    expect(loadIndex(path).size).toBe(0);
  });

  it("fails with a typed error on a flipped byte, a truncation, a newer version, a foreign file or no file", () => {
    const path = join(dir, "good.idx");
    saveIndex(sampleIndex(), path);
    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[Math.floor(good.length / 2)]! ^= 0x40;
    writeFileSync(join(dir, "flipped.idx"), flipped);
    expectIndexError(join(dir, "flipped.idx"), "CHECKSUM_MISMATCH");
    writeFileSync(join(dir, "short.idx"), good.subarray(0, good.length - 1000));
    expectIndexError(join(dir, "short.idx"), "CHECKSUM_MISMATCH");
    const newer = Buffer.from(good);
    newer.writeUInt32LE(2, 8);
    writeFileSync(join(dir, "newer.idx"), newer);
    expectIndexError(join(dir, "newer.idx"), "UNSUPPORTED_VERSION");
    writeFileSync(
      join(dir, "foreign.idx"),
      "this is not an index at all, just some text that is long enough",
    );
    expectIndexError(join(dir, "foreign.idx"), "BAD_MAGIC");
    writeFileSync(join(dir, "tiny.idx"), "");
    expectIndexError(join(dir, "tiny.idx"), "BAD_MAGIC");
    expectIndexError(join(dir, "missing.idx"), "NOT_FOUND");
  });
});
