import { createHash } from "node:crypto";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRandom, syntheticCorpus } from "../../test/fixtures/syntheticCorpus.ts";
import { attributeSpans } from "./attributeSpans.ts";
import { IndexFileError } from "./attributionErrors.ts";
import { type AttributionIndex, createAttributionIndex } from "./createAttributionIndex.ts";
import { type LoadIndexOptions, loadIndex, saveIndex } from "./indexFile.ts";
import type { MemoryShard } from "./shardSearch.ts";

const dir = mkdtempSync(join(tmpdir(), "attribution-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleIndex(vocab = 500) {
  let index = createAttributionIndex({ tokenizerId: "synthetic", separator: vocab });
  for (const seed of [1, 2]) {
    index = index.withShard(syntheticCorpus({ tokens: 20_000, vocabSize: vocab, seed, meanDocLength: 300 }));
  }
  return index;
}

function loadError(path: string, options?: LoadIndexOptions): IndexFileError {
  try {
    loadIndex(path, options).close();
  } catch (error) {
    expect(error).toBeInstanceOf(IndexFileError);
    expect((error as IndexFileError).message).toMatch(/Hint: Rebuild/);
    return error as IndexFileError;
  }
  throw new Error(`loading ${path} did not fail`);
}

function expectIndexError(path: string, code: string, options?: LoadIndexOptions) {
  expect(loadError(path, options).code).toBe(code);
}

type Header = {
  shards: { sections: Record<string, { offset: number; length: number; sha256: string }> }[];
};

/** The file's header, and a writer that re-seals edited bytes (fresh section and header checksums): a crafted file. */
function openForCrafting(bytes: Buffer) {
  const end = bytes.length - 56;
  const headerOffset = bytes.readUInt32LE(end) + bytes.readUInt32LE(end + 4) * 2 ** 32;
  const header = JSON.parse(bytes.subarray(headerOffset, end).toString("utf8")) as Header;
  const body = Buffer.from(bytes.subarray(0, headerOffset));
  const seal = (shift = 0): Buffer[] => {
    for (const s of header.shards) {
      for (const sec of Object.values(s.sections)) {
        sec.sha256 = createHash("sha256")
          .update(body.subarray(sec.offset, sec.offset + sec.length))
          .digest("hex");
        sec.offset += shift;
      }
    }
    const json = Buffer.from(JSON.stringify(header));
    const trailer = Buffer.alloc(56);
    const at = headerOffset + shift;
    trailer.writeUInt32LE(at % 2 ** 32, 0);
    trailer.writeUInt32LE(Math.floor(at / 2 ** 32), 4);
    trailer.writeUInt32LE(json.length, 8);
    createHash("sha256").update(json).digest().copy(trailer, 16);
    trailer.write("OLPOAEND", 48, "ascii");
    return [json, trailer];
  };
  return { header, body, seal };
}

function outputsFrom(index: AttributionIndex, seed: number, count: number): Uint32Array[] {
  const random = createRandom(seed);
  const outs: Uint32Array[] = [];
  for (let o = 0; o < count; o++) {
    const out = new Uint32Array(200);
    for (let i = 0; i < out.length; ) {
      if (random() < 0.6) {
        const from = Math.floor(random() * (index.size - 80));
        const length = Math.min(4 + Math.floor(random() * 60), out.length - i);
        for (let k = 0; k < length; k++) out[i++] = index.tokenAt(from + k);
      } else {
        out[i++] = Math.floor(random() * (index.separator + 2));
      }
    }
    outs.push(out);
  }
  return outs;
}

describe("index file (version 2, searched in place)", () => {
  it("answers every query like the in-memory index it was saved from", () => {
    // A small alphabet makes long repeats, so searches run deep into the suffix array and past the sample.
    for (const vocab of [3, 40, 500]) {
      const index = sampleIndex(vocab);
      const path = join(dir, `ok-${vocab}.idx`);
      saveIndex(index, path);
      const loaded = loadIndex(path, { pages: 8 });
      expect(loaded.tokenizerId).toBe("synthetic");
      expect(loaded.shards.map((s) => s.kind)).toEqual(["disk", "disk"]);
      expect([loaded.size, loaded.tokenCount]).toEqual([index.size, index.tokenCount]);
      for (let t = 0; t <= vocab; t++) expect(loaded.unigramCount(t)).toBe(index.unigramCount(t));
      const random = createRandom(vocab);
      for (let q = 0; q < 300; q++) {
        const p = Math.floor(random() * index.size);
        expect(loaded.tokenAt(p)).toBe(index.tokenAt(p));
        expect(loaded.contributionAt(p)).toBe(index.contributionAt(p));
      }
      for (const output of outputsFrom(index, vocab, 5)) {
        expect(attributeSpans(loaded, output, { minSpanLength: 3 })).toEqual(
          attributeSpans(index, output, { minSpanLength: 3 }),
        );
        for (let i = 0; i < output.length; i += 13) {
          const end = Math.min(output.length, i + 1 + Math.floor(random() * 40));
          expect(loaded.longestMatch(output, i, end)).toBe(index.longestMatch(output, i, end));
          const length = end - i;
          expect(loaded.occurrences(output, i, length, 1 << 30)).toEqual(
            index.occurrences(output, i, length, 1 << 30),
          );
        }
      }
      // Saving what was loaded reproduces the file byte for byte.
      saveIndex(loaded, join(dir, "again.idx"));
      expect(readFileSync(join(dir, "again.idx")).equals(readFileSync(path))).toBe(true);
      // A loaded index grows by in-memory shards and keeps answering like the in-memory one.
      const extra = syntheticCorpus({ tokens: 3000, vocabSize: vocab, seed: 9, meanDocLength: 100 });
      const grown = loaded.withShard(extra);
      const grownMemory = index.withShard(extra);
      const out = (grownMemory.shards[2] as MemoryShard).tokens.slice(100, 400);
      expect(attributeSpans(grown, out)).toEqual(attributeSpans(grownMemory, out));
      expect(() => grown.merged()).toThrow(/buildIndexFile/);
      loaded.close();
    }
  });

  it("round-trips an empty index", () => {
    const path = join(dir, "empty.idx");
    saveIndex(createAttributionIndex({ tokenizerId: "utf8-bytes", separator: 256 }), path);
    const loaded = loadIndex(path);
    expect(loaded.size).toBe(0);
    expect(loaded.longestMatch(Uint32Array.of(1, 2), 0, 2)).toBe(0);
    loaded.close();
  });

  it("loads a file past 4 GiB (sections behind a 5 GiB sparse hole) and answers from it", () => {
    const index = sampleIndex();
    const path = join(dir, "small.idx");
    saveIndex(index, path);
    const { body, seal } = openForCrafting(readFileSync(path));
    const hole = 5 * 2 ** 30;
    const [json, trailer] = seal(hole);
    const big = join(dir, "big.idx");
    const fd = openSync(big, "w");
    writeSync(fd, body.subarray(0, 16), 0, 16, 0);
    writeSync(fd, body.subarray(16), 0, body.length - 16, 16 + hole);
    writeSync(fd, json!, 0, json!.length, body.length + hole);
    writeSync(fd, trailer!, 0, 56, body.length + hole + json!.length);
    closeSync(fd);
    expect(statSync(big).size).toBeGreaterThan(2 ** 32);
    const loaded = loadIndex(big); // the full check reads every section from past 4 GiB
    const output = (index.shards[1] as MemoryShard).tokens.slice(1000, 1500);
    expect(attributeSpans(loaded, output)).toEqual(attributeSpans(index, output));
    loaded.close();
    rmSync(big);
  });

  it("fails with a typed error on a flipped byte, a truncation, another version, a foreign file or no file", () => {
    const path = join(dir, "good.idx");
    saveIndex(sampleIndex(), path);
    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[Math.floor(good.length / 4)]! ^= 0x40; // inside the tokens of shard 0
    writeFileSync(join(dir, "flipped.idx"), flipped);
    expectIndexError(join(dir, "flipped.idx"), "CHECKSUM_MISMATCH");
    const flippedHeader = Buffer.from(good);
    flippedHeader[good.length - 100]! ^= 0x01;
    writeFileSync(join(dir, "flipped-header.idx"), flippedHeader);
    expectIndexError(join(dir, "flipped-header.idx"), "CHECKSUM_MISMATCH", { check: "structure" });
    writeFileSync(join(dir, "short.idx"), good.subarray(0, good.length - 1000));
    expectIndexError(join(dir, "short.idx"), "TRUNCATED");
    const older = Buffer.from(good);
    older.writeUInt32LE(1, 8);
    writeFileSync(join(dir, "older.idx"), older);
    expect(loadError(join(dir, "older.idx")).message).toMatch(
      /version 1 .*rebuild it \(olnode attribute index/,
    );
    const newer = Buffer.from(good);
    newer.writeUInt32LE(3, 8);
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

  it("a crafted file with valid checksums is a typed error (at load or at first touch), never a TypeError", () => {
    const path = join(dir, "craft.idx");
    const index = sampleIndex(20);
    saveIndex(index, path);
    const good = readFileSync(path);
    const { header, body, seal } = openForCrafting(good);
    // A suffix-array row past the end, in a row the sample does not cover: found at load by the full check,
    // and at the first read of that row when only the structure was checked.
    const sa = header.shards[0]!.sections.suffixArray!;
    body.writeUInt32LE(0xffff_fff0, sa.offset + 4 * 5);
    const crafted = join(dir, "crafted.idx");
    writeFileSync(crafted, Buffer.concat([body, ...seal()]));
    expectIndexError(crafted, "MALFORMED_CONTENT");
    const lazy = loadIndex(crafted, { check: "structure" });
    expect(lazy.shards[0]!.suffixRange(new Uint32Array(0), 0, 0)).toEqual([0, lazy.shards[0]!.size]);
    let thrown: unknown;
    try {
      for (let r = 0; r < 64; r++) lazy.shards[0]!.positionAt(r);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IndexFileError);
    expect((thrown as IndexFileError).code).toBe("MALFORMED_CONTENT");
    lazy.close();

    // Random bytes anywhere in the sections, re-sealed: every load and query ends in an answer or an
    // IndexFileError, whatever the check.
    const random = createRandom(7);
    const outputs = outputsFrom(index, 3, 3);
    const codes = new Set<string>();
    for (let trial = 0; trial < 100; trial++) {
      const copy = openForCrafting(good);
      const all = copy.header.shards.flatMap((s) => Object.values(s.sections)).filter((s) => s.length > 0);
      const sec = all[Math.floor(random() * all.length)]!;
      for (let e = 0; e < 1 + Math.floor(random() * 4); e++) {
        const at = sec.offset + Math.floor(random() * sec.length);
        copy.body[at] = random() < 0.5 ? 0xff : Math.floor(random() * 256);
      }
      const file = join(dir, "fuzz.idx");
      writeFileSync(file, Buffer.concat([copy.body, ...copy.seal()]));
      for (const check of ["full", "structure"] as const) {
        try {
          const loaded = loadIndex(file, { check });
          try {
            for (const o of outputs) attributeSpans(loaded, o, { minSpanLength: 2 });
            codes.add("answered");
          } finally {
            loaded.close();
          }
        } catch (error) {
          if (!(error instanceof IndexFileError)) throw error;
          codes.add(error.code);
        }
      }
    }
    expect(codes.has("MALFORMED_CONTENT")).toBe(true);
  });
});
