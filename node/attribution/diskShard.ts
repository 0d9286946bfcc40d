import { IndexFileError } from "./attributionErrors.ts";
import type { PageReader } from "./pageReader.ts";
import { documentAt, type ShardSearch } from "./shardSearch.ts";

/** What an index file says about one shard, after loadIndex has checked it (see indexFile.ts). */
export type DiskShardLayout = {
  size: number;
  /** Byte offsets of the tokens (u32[size]) and suffix array (u32[size]) sections in the file. */
  tokensOffset: number;
  suffixArrayOffset: number;
  /** The resident sample: every `sampleEvery`-th suffix-array row r as [sa[r], its first sampleTokens tokens]. */
  sampleEvery: number;
  sampleTokens: number;
  sample: Uint32Array;
  firstTokenRows: Uint32Array;
  docStarts: Uint32Array;
  docContributions: Uint32Array;
  contributionIds: readonly bigint[];
};

export type DiskShard = ShardSearch & {
  readonly kind: "disk";
  readonly layout: DiskShardLayout;
  readonly reader: PageReader;
};

/**
 * A shard searched in place in its index file. Tokens and suffix-array rows come from positional reads
 * through the reader's page cache; only the sample, the first-token rows and the document table are resident.
 * A search starts in the first token's rows (firstTokenRows), takes sampled rows as long as its range holds
 * one (compared against their resident first tokens; only ties past them read the file), then finishes in a
 * gap of fewer than `sampleEvery` rows, which lie on one or two pages of the suffix array. Comparisons skip
 * the prefix both bounds share with the pattern (Manber–Myers), exactly like the in-memory search.
 */
export function createDiskShard(reader: PageReader, layout: DiskShardLayout): DiskShard {
  const n = layout.size;
  const {
    sample,
    sampleEvery: K,
    sampleTokens: T,
    firstTokenRows: rows,
    docStarts,
    docContributions,
  } = layout;
  const stride = T + 1;
  const tokensOffset = layout.tokensOffset;
  const saOffset = layout.suffixArrayOffset;

  const positionAt = (row: number): number => {
    const p = row % K === 0 ? sample[(row / K) * stride]! : reader.u32(saOffset + 4 * row);
    if (p >= n) {
      throw new IndexFileError(
        "MALFORMED_CONTENT",
        reader.path,
        `${reader.path}: suffix-array row ${row} points at ${p}, past the shard's ${n} positions.`,
      );
    }
    return p;
  };
  const tokenAt = (position: number): number => reader.u32(tokensOffset + 4 * position);

  /** Set by compareFrom: the sign of suffix(row) against the pattern over the compared length. */
  let sign = 0;
  /**
   * Extends the known common prefix `k` of the suffix at `row` and pattern[start, start+length); sets `sign`
   * (-1: the suffix is smaller or ended, 0: equal over `length`, 1: larger) and returns the new k.
   */
  const compareFrom = (
    row: number,
    pattern: Uint32Array,
    start: number,
    length: number,
    k: number,
  ): number => {
    let pos: number;
    if (row % K === 0) {
      const at = (row / K) * stride;
      pos = sample[at]!;
      if (pos >= n) positionAt(row); // throws the typed error
      while (k < length && k < T && pos + k < n) {
        const a = sample[at + 1 + k]!;
        const b = pattern[start + k]!;
        if (a !== b) {
          sign = a < b ? -1 : 1;
          return k;
        }
        k++;
      }
    } else {
      pos = positionAt(row);
    }
    while (k < length) {
      if (pos + k >= n) {
        sign = -1;
        return k;
      }
      const a = tokenAt(pos + k);
      const b = pattern[start + k]!;
      if (a !== b) {
        sign = a < b ? -1 : 1;
        return k;
      }
      k++;
    }
    sign = 0;
    return k;
  };

  /** A sampled row in [lo, hi) near the middle when there is one (no read needed), else the middle. */
  const pickRow = (lo: number, hi: number): number => {
    const mid = lo + Math.floor((hi - lo) / 2);
    let r = Math.round(mid / K) * K;
    if (r < lo) r += K;
    if (r >= hi) r -= K;
    return r >= lo && r < hi ? r : mid;
  };

  /** Rows starting with pattern[start]: [lo, hi), or undefined when the token is outside the alphabet. */
  const firstRows = (c: number): [number, number] | undefined =>
    c + 1 < rows.length ? [rows[c]!, rows[c + 1]!] : undefined;

  /**
   * First row in [lo, hi) whose suffix is ≥ the pattern (or > it, when `after`), comparing `length` symbols.
   * Returns the row; the longest common prefix with either neighbour is left in `bestLcp`.
   */
  let bestLcp = 0;
  const bound = (
    pattern: Uint32Array,
    start: number,
    length: number,
    lo: number,
    hi: number,
    known: number,
    after: boolean,
  ): number => {
    let lcpLo = known;
    let lcpHi = known;
    while (lo < hi) {
      const mid = pickRow(lo, hi);
      const k = compareFrom(mid, pattern, start, length, Math.min(lcpLo, lcpHi));
      if (sign < 0 || (after && sign === 0)) {
        lo = mid + 1;
        lcpLo = k;
      } else {
        hi = mid;
        lcpHi = k;
      }
    }
    bestLcp = Math.max(lcpLo, lcpHi);
    return lo;
  };

  return {
    kind: "disk",
    layout,
    reader,
    size: n,
    documentCount: docContributions.length,
    contributionIds: layout.contributionIds,
    docStarts,
    docContributions,
    firstTokenRows: rows,
    longestMatch(pattern, start, end) {
      const m = end - start;
      if (n === 0 || m <= 0) return 0;
      const range = firstRows(pattern[start]!);
      if (!range || range[0] === range[1]) return 0;
      bound(pattern, start, m, range[0], range[1], 1, false);
      return bestLcp;
    },
    suffixRange(pattern, start, length) {
      if (length <= 0) return [0, n];
      const range = firstRows(pattern[start]!);
      if (!range || range[0] === range[1]) return [0, 0];
      const first = bound(pattern, start, length, range[0], range[1], 1, false);
      const last = bound(pattern, start, length, first, range[1], 1, true);
      return [first, last];
    },
    positionAt(row) {
      return positionAt(row);
    },
    tokenAt,
    contributionIndexAt(position) {
      return docContributions[documentAt(docStarts, docContributions.length, position)]!;
    },
  };
}
