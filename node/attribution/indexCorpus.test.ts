import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syntheticCorpus } from "../../test/fixtures/syntheticCorpus.ts";
import { createAttributionIndex } from "./createAttributionIndex.ts";
import { indexCorpus } from "./indexCorpus.ts";
import { loadIndex, saveIndex } from "./indexFile.ts";
import type { MemoryShard } from "./shardSearch.ts";

const dir = mkdtempSync(join(tmpdir(), "attribution-corpus-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VOCAB = 300;
const corpus = (seed: number, tokens: number) =>
  syntheticCorpus({ tokens, vocabSize: VOCAB, seed, meanDocLength: 120 });

describe("indexCorpus", () => {
  it("reads an index's shards back as one batch, from memory and from its file alike", () => {
    let memory = createAttributionIndex({ tokenizerId: "synthetic", separator: VOCAB });
    for (const seed of [1, 2]) memory = memory.withShard(corpus(seed, 5000));
    const path = join(dir, "two.idx");
    saveIndex(memory, path);
    const loaded = loadIndex(path);
    try {
      const extra = corpus(3, 2000);
      const fromDisk = loaded.withShard(extra);
      const inMemory = memory.withShard(extra);
      // The in-memory merge concatenates the same shards: the batch the corpus must equal.
      const merged = inMemory.merged().shards[0] as MemoryShard;
      const expected = {
        tokens: merged.tokens,
        docStarts: merged.docStarts,
        docContributions: merged.docContributions,
        contributionIds: merged.contributionIds,
      };
      expect(indexCorpus(inMemory)).toEqual(expected);
      expect(indexCorpus(fromDisk)).toEqual(expected);
    } finally {
      loaded.close();
    }
  });
});
