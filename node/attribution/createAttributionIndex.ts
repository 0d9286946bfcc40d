import { AttributionInputError } from "./attributionErrors.ts";
import type { Corpus } from "./buildCorpus.ts";
import { buildIndexShard, type IndexShard, mergeIndexShards } from "./indexShard.ts";
import { log2Fixed } from "./log2Fixed.ts";
import { createMemoryShard, isIndexShard, type MemoryShard, type ShardSearch } from "./shardSearch.ts";

/**
 * A Datanet's corpus as a list of shards, queried as one. Global positions run through the shards in order
 * (shard k starts where shard k-1 ends), so an index built in one go and the same batches as shards give the
 * same answers. Immutable: adding or merging shards returns a new index. Shards may live in memory or in an
 * index file (disk-backed, see diskShard.ts); a new batch always becomes an in-memory shard.
 */
export type AttributionIndex = {
  readonly tokenizerId: string;
  /** The document separator token, = the tokenizer's vocabSize. */
  readonly separator: number;
  readonly shards: readonly ShardSearch[];
  /** Corpus tokens, separators excluded: the N of unigram probabilities. */
  readonly tokenCount: number;
  /** Positions, separators included. */
  readonly size: number;
  unigramCount(token: number): number;
  /** floor(2^16 · log2(N / count(token))): the token's self-information, 0 for an unseen token. */
  information(token: number): number;
  /** Longest prefix of pattern[start, end) found anywhere in the corpus (a separator in it matches nothing). */
  longestMatch(pattern: Uint32Array, start: number, end: number): number;
  /** How often pattern[start, start+length) occurs, and, when at most `limit` times, where (ascending); a
   *  pattern holding the separator occurs nowhere. */
  occurrences(pattern: Uint32Array, start: number, length: number, limit: number): Occurrences;
  tokenAt(position: number): number;
  contributionAt(position: number): bigint;
  withShard(corpus: Corpus): AttributionIndex;
  merged(): AttributionIndex;
  /** Releases the index file it reads from, if any (indexes grown from it share the file: close once). */
  close(): void;
};

export type Occurrences = { count: number; positions: number[] | undefined };

export type CreateAttributionIndexParameters = {
  tokenizerId: string;
  separator: number;
  /** In-memory shards (wrapped here) or shards already searchable (e.g. read from an index file). */
  shards?: readonly (IndexShard | ShardSearch)[];
  /** Releases what the disk shards read from (loadIndex passes it); indexes grown from this one share it. */
  close?: () => void;
};

/** Token counts feed log2Fixed, whose domain ends at 2^31 (the file format itself would allow 2^32 per shard). */
const MAX_POSITIONS = 0x7fff_ffff;

export function createAttributionIndex({
  tokenizerId,
  separator,
  shards: shardInputs = [],
  close = () => {},
}: CreateAttributionIndexParameters): AttributionIndex {
  if (!Number.isInteger(separator) || separator < 1 || separator >= 0x7fff_ffff) {
    throw new AttributionInputError(
      `Separator ${separator} is not a valid token id.`,
      "Pass the tokenizer's vocabSize.",
    );
  }
  const shards: ShardSearch[] = shardInputs.map((s) =>
    isIndexShard(s) ? createMemoryShard(s, separator + 1) : s,
  );
  const bases: number[] = [];
  let size = 0;
  for (const s of shards) {
    bases.push(size);
    size += s.size;
    if (s.firstTokenRows.length !== separator + 2) {
      throw new AttributionInputError(
        `A shard was built for an alphabet of ${s.firstTokenRows.length - 1} symbols, not ${separator + 1}.`,
        "Build every shard with the index's tokenizer.",
      );
    }
  }
  if (size > MAX_POSITIONS) {
    throw new AttributionInputError(
      "The index would exceed 2^31 positions.",
      "Split the Datanet into smaller indexes.",
    );
  }
  // Symbol counts are the widths of the first-token row ranges: no pass over the tokens (they may be on disk).
  const counts = new Float64Array(separator + 1);
  for (const s of shards) {
    const rows = s.firstTokenRows;
    for (let c = 0; c <= separator; c++) counts[c]! += rows[c + 1]! - rows[c]!;
  }
  const tokenCount = size - counts[separator]!;
  const logN = tokenCount > 0 ? log2Fixed(tokenCount) : 0;
  const infoCache = new Int32Array(separator + 1).fill(-1);

  function shardOf(position: number): number {
    if (!Number.isInteger(position) || position < 0 || position >= size) {
      throw new AttributionInputError(
        `Position ${position} is outside the corpus [0, ${size}).`,
        "Use a position from this index.",
      );
    }
    let k = shards.length - 1;
    while (bases[k]! > position) k--;
    return k;
  }

  const index: AttributionIndex = {
    tokenizerId,
    separator,
    shards,
    tokenCount,
    size,
    unigramCount(token) {
      return token >= 0 && token < separator ? counts[token]! : 0;
    },
    information(token) {
      if (token < 0 || token >= separator || counts[token] === 0) return 0;
      let v = infoCache[token]!;
      if (v < 0) {
        v = logN - log2Fixed(counts[token]!);
        infoCache[token] = v;
      }
      return v;
    },
    longestMatch(pattern, start, end) {
      // The separator (or anything past the alphabet) matches nothing: no match runs across documents. Past a
      // separator, files merged on disk order suffixes by shard, so stopping here is also what keeps every
      // index kind giving the same answer.
      for (let i = start; i < end; i++) {
        if (pattern[i]! >= separator) {
          end = i;
          break;
        }
      }
      let best = 0;
      for (const s of shards) {
        const l = s.longestMatch(pattern, start, end);
        if (l > best) best = l;
      }
      return best;
    },
    occurrences(pattern, start, length, limit) {
      for (let i = start; i < start + length; i++) {
        if (pattern[i]! >= separator) return { count: 0, positions: [] };
      }
      const ranges = shards.map((s) => s.suffixRange(pattern, start, length));
      let count = 0;
      for (const [lo, hi] of ranges) count += hi - lo;
      if (count > limit) return { count, positions: undefined };
      const positions: number[] = [];
      ranges.forEach(([lo, hi], k) => {
        const s = shards[k]!;
        for (let r = lo; r < hi; r++) positions.push(bases[k]! + s.positionAt(r));
      });
      positions.sort((a, b) => a - b);
      return { count, positions };
    },
    tokenAt(position) {
      const k = shardOf(position);
      return shards[k]!.tokenAt(position - bases[k]!);
    },
    contributionAt(position) {
      const k = shardOf(position);
      const s = shards[k]!;
      return s.contributionIds[s.contributionIndexAt(position - bases[k]!)]!;
    },
    withShard(corpus) {
      return createAttributionIndex({
        tokenizerId,
        separator,
        shards: [...shards, buildIndexShard(corpus, separator)],
        close,
      });
    },
    merged() {
      if (shards.length <= 1) return index;
      if (!shards.every((s): s is MemoryShard => s.kind === "memory")) {
        throw new AttributionInputError(
          "Shards read from an index file are not merged in memory.",
          "Rebuild the index file with buildIndexFile (it merges on disk within a memory budget).",
        );
      }
      return createAttributionIndex({
        tokenizerId,
        separator,
        shards: [mergeIndexShards(shards, separator)],
      });
    },
    close,
  };
  return index;
}
