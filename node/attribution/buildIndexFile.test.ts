import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRandom, syntheticCorpus } from "../../test/fixtures/syntheticCorpus.ts";
import { attributeSpans } from "./attributeSpans.ts";
import { buildIndexFile, SAIS_BYTES_PER_TOKEN, shardCuts } from "./buildIndexFile.ts";
import { createAttributionIndex } from "./createAttributionIndex.ts";
import { loadIndex } from "./indexFile.ts";

const dir = mkdtempSync(join(tmpdir(), "attribution-build-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("buildIndexFile", () => {
  it("cuts shards at document starts, none over the limit unless one document is", () => {
    const starts = Uint32Array.of(0, 3, 5, 20, 22, 30);
    expect(shardCuts(starts, 30, 6)).toEqual([0, 5, 20, 22, 30]);
    expect(shardCuts(starts, 30, 100)).toEqual([0, 30]);
    expect(shardCuts(Uint32Array.of(0), 0, 5)).toEqual([0]);
  });

  it("sharded and merged on disk, answers every query exactly like the in-memory index", () => {
    for (const [vocab, budgetTokens] of [
      [3, 700],
      [60, 2_500],
      [2_000, 9_000],
    ] as const) {
      const corpus = syntheticCorpus({ tokens: 30_000, vocabSize: vocab, seed: vocab, meanDocLength: 200 });
      const memory = createAttributionIndex({
        tokenizerId: "synthetic",
        separator: vocab,
        shards: [],
      }).withShard(corpus);
      const path = join(dir, `built-${vocab}.idx`);
      const progress: string[] = [];
      const result = buildIndexFile({
        path,
        tokenizerId: "synthetic",
        separator: vocab,
        corpus,
        memoryBudgetBytes: budgetTokens * SAIS_BYTES_PER_TOKEN,
        onProgress: (m) => progress.push(m),
      });
      expect(result.shards).toBeGreaterThan(3);
      expect(progress.at(-1)).toMatch(/merging/);
      // The full check: checksums, a permutation agreeing with the sample, counts, separators.
      const disk = loadIndex(path, { check: "full" });
      expect(disk.shards).toHaveLength(1);
      // Sorted up to each suffix's first separator: compare neighbouring rows through the file.
      const s = disk.shards[0]!;
      const prefix = (p: number) => {
        const out: number[] = [];
        for (let i = p; ; i++) {
          const t = s.tokenAt(i);
          out.push(t);
          if (t === vocab) return out;
        }
      };
      let previous = prefix(s.positionAt(0));
      for (let r = 1; r < s.size; r += r < 2000 ? 1 : 37) {
        const current = prefix(s.positionAt(r));
        const before = r < 2000 ? previous : prefix(s.positionAt(r - 1));
        let k = 0;
        while (k < before.length && before[k] === current[k]) k++;
        expect(k === before.length || before[k]! < current[k]!).toBe(true);
        previous = current;
      }
      const random = createRandom(vocab);
      for (let q = 0; q < 10; q++) {
        const output = new Uint32Array(150);
        for (let i = 0; i < output.length; ) {
          const from = Math.floor(random() * (corpus.tokens.length - 60));
          for (let k = 0; k < 40 && i < output.length; k++) output[i++] = corpus.tokens[from + k]!;
          if (i < output.length) output[i++] = Math.floor(random() * vocab);
        }
        expect(attributeSpans(disk, output, { minSpanLength: 3 })).toEqual(
          attributeSpans(memory, output, { minSpanLength: 3 }),
        );
        for (let i = 0; i < output.length; i += 9) {
          expect(disk.longestMatch(output, i, output.length)).toBe(
            memory.longestMatch(output, i, output.length),
          );
          expect(disk.occurrences(output, i, 5, 1 << 30)).toEqual(memory.occurrences(output, i, 5, 1 << 30));
        }
      }
      disk.close();
    }
    // No temporary files are left beside the index.
    expect(readdirSync(dir).filter((f) => !f.endsWith(".idx"))).toEqual([]);
  });

  it("builds a small corpus in one SA-IS run, and refuses a corpus that does not end with a separator", () => {
    const corpus = syntheticCorpus({ tokens: 5_000, vocabSize: 50, seed: 4, meanDocLength: 100 });
    const path = join(dir, "one.idx");
    expect(buildIndexFile({ path, tokenizerId: "synthetic", separator: 50, corpus }).shards).toBe(1);
    const disk = loadIndex(path);
    const memory = createAttributionIndex({ tokenizerId: "synthetic", separator: 50 }).withShard(corpus);
    const output = corpus.tokens.slice(100, 400);
    expect(attributeSpans(disk, output)).toEqual(attributeSpans(memory, output));
    disk.close();
    const broken = { ...corpus, tokens: corpus.tokens.slice(0, 4_999) };
    expect(() => buildIndexFile({ path, tokenizerId: "synthetic", separator: 50, corpus: broken })).toThrow(
      /does not end with a document separator/,
    );
  });
});
