/**
 * Suffix array by SA-IS (Nong, Zhang & Chan 2009): linear time, and the reduced problem is solved inside the
 * output array itself, so the only extra memory is one type byte per symbol plus two bucket arrays.
 *
 * The text has no explicit sentinel: a virtual one, smaller than every symbol, sits after the last position.
 * Symbols must be integers in [0, alphabetSize). Everything runs on Int32Array views so the hot loops see one
 * array type (Uint32 token arrays are viewed as Int32, which is safe because token ids stay below 2^31).
 */
export function buildSuffixArray(text: Uint32Array | Int32Array, alphabetSize?: number): Int32Array {
  const n = text.length;
  const s = text instanceof Int32Array ? text : new Int32Array(text.buffer, text.byteOffset, n);
  let k = alphabetSize ?? 0;
  if (alphabetSize === undefined) {
    for (let i = 0; i < n; i++) if (s[i]! >= k) k = s[i]! + 1;
  }
  for (let i = 0; i < n; i++) {
    const c = s[i]!;
    if (c < 0 || c >= k) throw new RangeError(`Symbol ${c} at ${i} is outside the alphabet [0, ${k}).`);
  }
  const sa = new Int32Array(n);
  sais(s, sa, n, k);
  return sa;
}

function bucketStarts(counts: Int32Array, bkt: Int32Array): void {
  let sum = 0;
  for (let c = 0; c < counts.length; c++) {
    bkt[c] = sum;
    sum += counts[c]!;
  }
}

function bucketEnds(counts: Int32Array, bkt: Int32Array): void {
  let sum = 0;
  for (let c = 0; c < counts.length; c++) {
    sum += counts[c]!;
    bkt[c] = sum;
  }
}

/** Sorts L-type suffixes from the sorted LMS suffixes already in `sa` (scan left to right). */
function induceL(
  s: Int32Array,
  sa: Int32Array,
  t: Uint8Array,
  counts: Int32Array,
  bkt: Int32Array,
  n: number,
) {
  bucketStarts(counts, bkt);
  // The virtual sentinel's predecessor n-1 is always L-type and comes first.
  sa[bkt[s[n - 1]!]!++] = n - 1;
  for (let i = 0; i < n; i++) {
    const p = sa[i]!;
    if (p > 0) {
      const j = p - 1;
      // s[j] and s[p] share a cache line; the type array is only read on a tie. This halves the random reads.
      const cj = s[j]!;
      const cp = s[p]!;
      if (cj > cp || (cj === cp && t[j] === 0)) sa[bkt[cj]!++] = j;
    }
  }
}

/** Sorts S-type suffixes from the sorted L-type ones (scan right to left). */
function induceS(
  s: Int32Array,
  sa: Int32Array,
  t: Uint8Array,
  counts: Int32Array,
  bkt: Int32Array,
  n: number,
) {
  bucketEnds(counts, bkt);
  for (let i = n - 1; i >= 0; i--) {
    const p = sa[i]!;
    if (p > 0) {
      const j = p - 1;
      const cj = s[j]!;
      const cp = s[p]!;
      if (cj < cp || (cj === cp && t[j] === 1)) sa[--bkt[cj]!] = j;
    }
  }
}

function sais(s: Int32Array, sa: Int32Array, n: number, k: number): void {
  if (n === 0) return;
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // t[i] = 1 for S-type (suffix i < suffix i+1), 0 for L-type. The last symbol is L (the sentinel is smaller).
  const t = new Uint8Array(n);
  for (let i = n - 2; i >= 0; i--) {
    const a = s[i]!;
    const b = s[i + 1]!;
    t[i] = a < b || (a === b && t[i + 1] === 1) ? 1 : 0;
  }
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[s[i]!]!++;
  const bkt = new Int32Array(k);

  // Stage 1: sort the LMS substrings by induction.
  bucketEnds(counts, bkt);
  sa.fill(-1, 0, n);
  for (let i = 1; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) sa[--bkt[s[i]!]!] = i;
  induceL(s, sa, t, counts, bkt, n);
  induceS(s, sa, t, counts, bkt, n);

  // Compact the sorted LMS positions into sa[0, n1). At most n/2 positions are LMS.
  let n1 = 0;
  for (let i = 0; i < n; i++) {
    const p = sa[i]!;
    if (p > 0 && t[p] === 1 && t[p - 1] === 0) sa[n1++] = p;
  }

  // Name the LMS substrings; equal substrings get equal names. Names go to sa[n1 + pos/2], where each LMS
  // substring's length is stored first: substrings of different lengths differ without touching the text, and
  // equal lengths need only a symbol comparison (equal symbols ending in an LMS position imply equal types).
  sa.fill(-1, n1, n);
  let prevLms = -1;
  for (let i = 1; i < n; i++) {
    if (t[i] === 1 && t[i - 1] === 0) {
      if (prevLms >= 0) sa[n1 + (prevLms >> 1)] = i - prevLms + 1;
      prevLms = i;
    }
  }
  // The last one runs into the virtual sentinel, which makes it unlike any other.
  if (prevLms >= 0) sa[n1 + (prevLms >> 1)] = n - prevLms + 1;
  let name = 0;
  let prev = -1;
  let prevLength = 0;
  for (let i = 0; i < n1; i++) {
    const pos = sa[i]!;
    const length = sa[n1 + (pos >> 1)]!;
    let diff = prev === -1 || length !== prevLength;
    for (let d = 0; !diff && d < length; d++) {
      if (pos + d === n || prev + d === n || s[pos + d] !== s[prev + d]) diff = true;
    }
    if (diff) {
      name++;
      prev = pos;
      prevLength = length;
    }
    sa[n1 + (pos >> 1)] = name - 1;
  }
  for (let i = n - 1, j = n - 1; i >= n1; i--) {
    const v = sa[i]!;
    if (v >= 0) sa[j--] = v;
  }

  // Stage 2: sort the reduced string (stored in the tail of sa) into sa[0, n1).
  const s1 = sa.subarray(n - n1, n);
  const sa1 = sa.subarray(0, n1);
  if (name < n1) {
    sais(s1, sa1, n1, name);
  } else {
    for (let i = 0; i < n1; i++) sa1[s1[i]!] = i;
  }

  // Stage 3: place the sorted LMS suffixes at their bucket ends, then induce everything else.
  for (let i = 1, j = 0; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) s1[j++] = i;
  for (let i = 0; i < n1; i++) sa1[i] = s1[sa1[i]!]!;
  sa.fill(-1, n1, n);
  bucketEnds(counts, bkt);
  for (let i = n1 - 1; i >= 0; i--) {
    const p = sa[i]!;
    sa[i] = -1;
    sa[--bkt[s[p]!]!] = p;
  }
  induceL(s, sa, t, counts, bkt, n);
  induceS(s, sa, t, counts, bkt, n);
}
