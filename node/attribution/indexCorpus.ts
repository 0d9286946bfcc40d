import type { Corpus } from "./buildCorpus.ts";
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
  let tokenCount = 0;
  let docCount = 0;
  const idSet = new Set<bigint>();
  for (const s of index.shards) {
    tokenCount += s.size;
    docCount += s.documentCount;
    for (const id of s.contributionIds) idSet.add(id);
  }
  const contributionIds = [...idSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const idIndex = new Map(contributionIds.map((id, i) => [id, i]));
  const tokens = new Uint32Array(tokenCount);
  const docStarts = new Uint32Array(docCount + 1);
  const docContributions = new Uint32Array(docCount);
  let at = 0;
  let d = 0;
  for (const s of index.shards) {
    if (s.kind === "memory") {
      tokens.set((s as MemoryShard).tokens, at);
    } else {
      const disk = s as DiskShard;
      for (let i = 0; i < s.size; i += CHUNK_WORDS) {
        const words = Math.min(CHUNK_WORDS, s.size - i);
        const bytes = disk.reader.bytes(disk.layout.tokensOffset + 4 * i, 4 * words);
        tokens.set(new Uint32Array(bytes.buffer, bytes.byteOffset, words), at + i);
      }
    }
    for (let k = 0; k < s.documentCount; k++) {
      docStarts[d] = at + s.docStarts[k]!;
      docContributions[d] = idIndex.get(s.contributionIds[s.docContributions[k]!]!)!;
      d++;
    }
    at += s.size;
  }
  docStarts[docCount] = at;
  return { tokens, docStarts, docContributions, contributionIds };
}
