/**
 * Queries on one suffix array. The corpus ends every document with a separator that never occurs in a
 * pattern, so a match can never run across documents and no query needs to know where documents end.
 */

/**
 * Length of the longest prefix of pattern[start, end) that occurs somewhere in `text`. Binary search for the
 * pattern's insertion point; the best match is one of its two neighbours. Comparisons skip the prefix both
 * bounds already share with the pattern (Manber–Myers), so a long match costs O(log n + length).
 */
export function longestPrefixMatch(
  text: Uint32Array,
  sa: Int32Array,
  pattern: Uint32Array,
  start: number,
  end: number,
  firstTokenRows?: Int32Array,
): number {
  const n = sa.length;
  const m = end - start;
  if (n === 0 || m <= 0) return 0;
  let lo = 0;
  let hi = n;
  let lcpLo = 0;
  let lcpHi = 0;
  if (firstTokenRows) {
    // Rows of suffixes starting with the pattern's first token: every row in it shares one symbol with it.
    const c = pattern[start]!;
    if (c + 1 >= firstTokenRows.length) return 0;
    lo = firstTokenRows[c]!;
    hi = firstTokenRows[c + 1]!;
    if (lo === hi) return 0;
    lcpLo = 1;
    lcpHi = 1;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pos = sa[mid]!;
    let k = Math.min(lcpLo, lcpHi);
    while (k < m && pos + k < n && text[pos + k] === pattern[start + k]) k++;
    if (k === m) {
      hi = mid;
      lcpHi = k;
    } else if (pos + k >= n || text[pos + k]! < pattern[start + k]!) {
      lo = mid + 1;
      lcpLo = k;
    } else {
      hi = mid;
      lcpHi = k;
    }
  }
  return Math.max(lcpLo, lcpHi);
}

/** -1, 0 or 1: the first `length` symbols of the suffix at `pos` against pattern[start, start+length). */
function comparePrefix(
  text: Uint32Array,
  pos: number,
  pattern: Uint32Array,
  start: number,
  length: number,
): number {
  const n = text.length;
  for (let k = 0; k < length; k++) {
    if (pos + k >= n) return -1;
    const a = text[pos + k]!;
    const b = pattern[start + k]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/**
 * The half-open range of suffix-array rows whose suffixes start with pattern[start, start+length).
 * `firstTokenRows` (see firstTokenRows()) narrows both searches to the first token's rows.
 */
export function suffixRange(
  text: Uint32Array,
  sa: Int32Array,
  pattern: Uint32Array,
  start: number,
  length: number,
  firstTokenRows?: Int32Array,
): [number, number] {
  let lo = 0;
  let hi = sa.length;
  let end = sa.length;
  if (firstTokenRows && length > 0) {
    const c = pattern[start]!;
    if (c + 1 >= firstTokenRows.length) return [0, 0];
    lo = firstTokenRows[c]!;
    hi = firstTokenRows[c + 1]!;
    end = hi;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrefix(text, sa[mid]!, pattern, start, length) < 0) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrefix(text, sa[mid]!, pattern, start, length) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return [first, lo];
}

/**
 * rows[c] is the first suffix-array row whose suffix starts with symbol c (rows[alphabet] = n): suffixes are
 * sorted by their first symbol, so these are prefix sums of the symbol counts. Lets a search skip the ~log2(n/count)
 * steps that only find the first symbol's rows, which are the steps that miss the cache on a large index.
 */
export function firstTokenRows(text: Uint32Array, alphabetSize: number): Int32Array {
  const rows = new Int32Array(alphabetSize + 1);
  for (let i = 0; i < text.length; i++) rows[text[i]! + 1]!++;
  for (let c = 0; c < alphabetSize; c++) rows[c + 1]! += rows[c]!;
  return rows;
}
