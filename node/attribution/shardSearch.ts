import type { IndexShard } from "./indexShard.ts";
import { firstTokenRows, longestPrefixMatch, suffixRange } from "./suffixSearch.ts";

/**
 * One shard as the index queries it, wherever its arrays live: in memory (`kind: "memory"`, built or merged
 * in this process) or in an index file read by positional reads (`kind: "disk"`, see diskShard.ts). Positions
 * are local to the shard; the index adds the shard's base.
 */
export type ShardSearch = {
  readonly kind: "memory" | "disk";
  /** Positions, separators included. */
  readonly size: number;
  readonly documentCount: number;
  readonly contributionIds: readonly bigint[];
  /** The document table (resident in both kinds): docStarts[d] is where document d starts, last = size. */
  readonly docStarts: Uint32Array;
  /** docContributions[d] indexes contributionIds. */
  readonly docContributions: Uint32Array;
  /** rows[c] = first suffix-array row starting with symbol c, rows[alphabet] = size (symbol counts, summed). */
  readonly firstTokenRows: Int32Array | Uint32Array;
  longestMatch(pattern: Uint32Array, start: number, end: number): number;
  /** Half-open suffix-array rows whose suffixes start with pattern[start, start+length). */
  suffixRange(pattern: Uint32Array, start: number, length: number): [number, number];
  /** The position the suffix at `row` starts at. */
  positionAt(row: number): number;
  tokenAt(position: number): number;
  /** Index into contributionIds of the document holding `position`. */
  contributionIndexAt(position: number): number;
};

/** A shard held in memory: the arrays themselves, plus the search. */
export type MemoryShard = ShardSearch & IndexShard & { readonly kind: "memory" };

export function isIndexShard(s: IndexShard | ShardSearch): s is IndexShard {
  return !("kind" in s);
}

/** Largest d with docStarts[d] <= position (documents are non-empty, so this is the document holding it). */
export function documentAt(docStarts: Uint32Array, documentCount: number, position: number): number {
  let lo = 0;
  let hi = documentCount - 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo + 1) / 2);
    if (docStarts[mid]! <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function createMemoryShard(shard: IndexShard, alphabetSize: number): MemoryShard {
  const { tokens, suffixArray } = shard;
  const rows = firstTokenRows(tokens, alphabetSize);
  return {
    ...shard,
    kind: "memory",
    size: tokens.length,
    documentCount: shard.docContributions.length,
    firstTokenRows: rows,
    longestMatch: (pattern, start, end) => longestPrefixMatch(tokens, suffixArray, pattern, start, end, rows),
    suffixRange: (pattern, start, length) => suffixRange(tokens, suffixArray, pattern, start, length, rows),
    positionAt: (row) => suffixArray[row]!,
    tokenAt: (position) => tokens[position]!,
    contributionIndexAt: (position) =>
      shard.docContributions[documentAt(shard.docStarts, shard.docContributions.length, position)]!,
  };
}
