import { AttributionInputError } from "./attributionErrors.ts";
import type { Corpus } from "./buildCorpus.ts";
import { buildIndexShard, type IndexShard, mergeIndexShards } from "./indexShard.ts";
import { log2Fixed } from "./log2Fixed.ts";
import { firstTokenRows, longestPrefixMatch, suffixRange } from "./suffixSearch.ts";

/**
 * A Datanet's corpus as a list of shards, queried as one. Global positions run through the shards in order
 * (shard k starts where shard k-1 ends), so an index built in one go and the same batches as shards give the
 * same answers. Immutable: adding or merging shards returns a new index.
 */
export type AttributionIndex = {
  readonly tokenizerId: string;
  /** The document separator token, = the tokenizer's vocabSize. */
  readonly separator: number;
  readonly shards: readonly IndexShard[];
  /** Corpus tokens, separators excluded: the N of unigram probabilities. */
  readonly tokenCount: number;
  /** Positions, separators included. */
  readonly size: number;
  unigramCount(token: number): number;
  /** floor(2^16 · log2(N / count(token))): the token's self-information, 0 for an unseen token. */
  information(token: number): number;
  /** Longest prefix of pattern[start, end) found anywhere in the corpus. */
  longestMatch(pattern: Uint32Array, start: number, end: number): number;
  /** How often pattern[start, start+length) occurs, and, when at most `limit` times, where (ascending). */
  occurrences(pattern: Uint32Array, start: number, length: number, limit: number): Occurrences;
  tokenAt(position: number): number;
  contributionAt(position: number): bigint;
  withShard(corpus: Corpus): AttributionIndex;
  merged(): AttributionIndex;
};

export type Occurrences = { count: number; positions: number[] | undefined };

export type CreateAttributionIndexParameters = {
  tokenizerId: string;
  separator: number;
  shards?: readonly IndexShard[];
};

export function createAttributionIndex({
  tokenizerId,
  separator,
  shards = [],
}: CreateAttributionIndexParameters): AttributionIndex {
  if (!Number.isInteger(separator) || separator < 1 || separator >= 0x7fff_ffff) {
    throw new AttributionInputError(
      `Separator ${separator} is not a valid token id.`,
      "Pass the tokenizer's vocabSize.",
    );
  }
  const bases: number[] = [];
  let size = 0;
  for (const s of shards) {
    bases.push(size);
    size += s.tokens.length;
  }
  if (size > 0x7fff_ffff) {
    throw new AttributionInputError(
      "The index would exceed 2^31 positions.",
      "Split the Datanet into smaller indexes.",
    );
  }
  const counts = new Uint32Array(separator + 1);
  for (const s of shards) {
    const t = s.tokens;
    for (let i = 0; i < t.length; i++) counts[t[i]!]!++;
  }
  const tokenCount = size - counts[separator]!;
  const rows = shards.map((s) => firstTokenRows(s.tokens, separator + 1));
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
      let best = 0;
      for (const [k, s] of shards.entries()) {
        const l = longestPrefixMatch(s.tokens, s.suffixArray, pattern, start, end, rows[k]);
        if (l > best) best = l;
      }
      return best;
    },
    occurrences(pattern, start, length, limit) {
      const ranges = shards.map((s, k) =>
        suffixRange(s.tokens, s.suffixArray, pattern, start, length, rows[k]),
      );
      let count = 0;
      for (const [lo, hi] of ranges) count += hi - lo;
      if (count > limit) return { count, positions: undefined };
      const positions: number[] = [];
      ranges.forEach(([lo, hi], k) => {
        const sa = shards[k]!.suffixArray;
        for (let r = lo; r < hi; r++) positions.push(bases[k]! + sa[r]!);
      });
      positions.sort((a, b) => a - b);
      return { count, positions };
    },
    tokenAt(position) {
      const k = shardOf(position);
      return shards[k]!.tokens[position - bases[k]!]!;
    },
    contributionAt(position) {
      const k = shardOf(position);
      const s = shards[k]!;
      const local = position - bases[k]!;
      // Largest d with docStarts[d] <= local.
      let lo = 0;
      let hi = s.docContributions.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (s.docStarts[mid]! <= local) lo = mid;
        else hi = mid - 1;
      }
      return s.contributionIds[s.docContributions[lo]!]!;
    },
    withShard(corpus) {
      return createAttributionIndex({
        tokenizerId,
        separator,
        shards: [...shards, buildIndexShard(corpus, separator)],
      });
    },
    merged() {
      if (shards.length <= 1) return index;
      return createAttributionIndex({
        tokenizerId,
        separator,
        shards: [mergeIndexShards(shards, separator)],
      });
    },
  };
  return index;
}
