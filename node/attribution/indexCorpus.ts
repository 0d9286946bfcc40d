import type { Corpus } from "./buildCorpus.ts";
import { concatCorpora } from "./concatCorpora.ts";
import type { AttributionIndex } from "./createAttributionIndex.ts";
import type { DiskShard } from "./diskShard.ts";
import type { MemoryShard } from "./shardSearch.ts";

const CHUNK_WORDS = 1 << 20;

/**
 * The corpus an index holds, as one batch (shards concatenated in order, ids merged), read back from memory or
 * from its file in sequential chunks: what buildIndexFile needs to rewrite a grown index as one shard. Holds
 * 4 bytes per token.
 */
export function indexCorpus(index: AttributionIndex): Corpus {
  return concatCorpora(
    index.shards.map((s) => ({
      size: s.size,
      documentCount: s.documentCount,
      contributionIds: s.contributionIds,
      docStarts: s.docStarts,
      docContributions: s.docContributions,
      copyTokens:
        s.kind === "memory"
          ? (into: Uint32Array, at: number) => into.set((s as MemoryShard).tokens, at)
          : (into: Uint32Array, at: number) => copyDiskTokens(s as DiskShard, into, at),
    })),
  );
}

/** A disk shard's tokens, read from its file in sequential chunks of CHUNK_WORDS. */
function copyDiskTokens(disk: DiskShard, into: Uint32Array, at: number): void {
  for (let i = 0; i < disk.size; i += CHUNK_WORDS) {
    const words = Math.min(CHUNK_WORDS, disk.size - i);
    const bytes = disk.reader.bytes(disk.layout.tokensOffset + 4 * i, 4 * words);
    into.set(new Uint32Array(bytes.buffer, bytes.byteOffset, words), at + i);
  }
}
