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
): number {
  const n = sa.length;
  const m = end - start;
  if (n === 0 || m <= 0) return 0;
  let lo = 0;
  let hi = n;
  let lcpLo = 0;
  let lcpHi = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pos = sa[mid]!;
    let k = lcpLo < lcpHi ? lcpLo : lcpHi;
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
  return lcpLo > lcpHi ? lcpLo : lcpHi;
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

/** The half-open range of suffix-array rows whose suffixes start with pattern[start, start+length). */
export function suffixRange(
  text: Uint32Array,
  sa: Int32Array,
  pattern: Uint32Array,
  start: number,
  length: number,
): [number, number] {
  let lo = 0;
  let hi = sa.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrefix(text, sa[mid]!, pattern, start, length) < 0) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  hi = sa.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrefix(text, sa[mid]!, pattern, start, length) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return [first, lo];
}
