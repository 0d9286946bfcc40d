import { createHash } from "node:crypto";
import type { Hex } from "viem";
import { fmix32, mix2 } from "./hash32.ts";

/** Words per shingle. Three is the usual choice for near-duplicate text: two matches common phrases between
 * unrelated texts, five makes every edited word destroy five shingles. */
export const SHINGLE_WORDS = 3;
const SHINGLE_SEED = 0x5eed0001;
const FNV_OFFSET = 0x811c9dc5 | 0; // int32, so the scan loop stays in small integers
const FNV_PRIME = 0x01000193;

/**
 * What the duplicate and quality checks need from a text, computed in one scan.
 *
 * Normalisation: NFKC, lower case, whitespace runs (JavaScript's `\s`) collapsed to one space, trimmed; the
 * exact-duplicate hash is over that, so re-encoding and re-wrapping a text does not make it new. Words are
 * maximal runs of Unicode letters and digits (`\p{L}`, `\p{N}`); a word's hash is FNV-1a over its UTF-16 code
 * units, finalised with fmix32. All counts are UTF-16 code units of the normalised text, except lines.
 */
export type TextFeatures = {
  /** sha256 of the normalised text's UTF-8 bytes. */
  contentHash: Hex;
  normalizedLength: number;
  wordCount: number;
  /** Code units inside words. */
  wordChars: number;
  /** Code units that are not whitespace. */
  nonSpaceChars: number;
  /** Control characters other than whitespace, C1 controls, and U+FFFD (what a lossy decoder leaves). */
  unprintableChars: number;
  /** Hashes of every shingle in text order, repeats included. */
  shingles: Uint32Array;
  distinctShingleCount: number;
  /** Lines of the original text (split on LF) that are not blank after trimming. */
  nonEmptyLines: number;
  distinctLines: number;
};

/** The normalisation as a plain definition; `computeTextFeatures` hashes the same text, built in its one scan. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const SPACE_CHAR = /^\s$/u;
const wordCache = new Map<number, boolean>();
const spaceCache = new Map<number, boolean>();

function isWordCodePoint(cp: number): boolean {
  let v = wordCache.get(cp);
  if (v === undefined) {
    v = WORD_CHAR.test(String.fromCodePoint(cp));
    wordCache.set(cp, v);
  }
  return v;
}

function isSpaceCodePoint(cp: number): boolean {
  let v = spaceCache.get(cp);
  if (v === undefined) {
    v = SPACE_CHAR.test(String.fromCodePoint(cp));
    spaceCache.set(cp, v);
  }
  return v;
}

export function computeTextFeatures(text: string): TextFeatures {
  const s = text.normalize("NFKC").toLowerCase();
  const n = s.length;
  // A word takes at least one code unit and a separator, so this bounds the word count.
  const words = new Uint32Array((n >> 1) + 1);
  let wordCount = 0;
  let wordChars = 0;
  let nonSpaceChars = 0;
  let unprintableChars = 0;
  // The normalised text is written straight to UTF-8 for hashing: building it as a string (slices and a join,
  // or a UTF-16 buffer decoded) costs more than the whole scan. A UTF-16 unit takes at most 3 UTF-8 bytes.
  const out = new Uint8Array(n * 3);
  let outLength = 0;
  let normalizedLength = 0;
  let pendingSpace = false;
  let h = FNV_OFFSET;
  let inWord = false;

  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    let width = 1;
    let space: boolean;
    let word: boolean;
    if (c < 0x80) {
      space = c === 0x20 || (c >= 0x09 && c <= 0x0d);
      word = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
    } else {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          width = 2;
        }
      }
      space = isSpaceCodePoint(cp);
      word = !space && isWordCodePoint(cp);
    }

    if (space) {
      pendingSpace = outLength > 0;
    } else {
      if (pendingSpace) {
        out[outLength++] = 0x20;
        normalizedLength++;
      }
      pendingSpace = false;
      outLength = writeUtf8(out, outLength, c, width === 2 ? s.charCodeAt(i + 1) : -1);
      normalizedLength += width;
      nonSpaceChars += width;
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) unprintableChars++;
    }

    if (word) {
      for (let k = 0; k < width; k++) {
        h ^= s.charCodeAt(i + k);
        h = Math.imul(h, FNV_PRIME);
      }
      wordChars += width;
      inWord = true;
    } else if (inWord) {
      words[wordCount++] = fmix32(h);
      h = FNV_OFFSET;
      inWord = false;
    }
    i += width;
  }
  if (inWord) {
    words[wordCount] = fmix32(h);
    wordCount += 1;
  }

  const shingles = shingle(words, wordCount);
  const lines = new Set<string>();
  let nonEmptyLines = 0;
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "") continue;
    nonEmptyLines++;
    lines.add(t);
  }

  return {
    contentHash: `0x${createHash("sha256").update(out.subarray(0, outLength)).digest("hex")}`,
    normalizedLength,
    wordCount,
    wordChars,
    nonSpaceChars,
    unprintableChars,
    shingles,
    distinctShingleCount: countDistinct(shingles),
    nonEmptyLines,
    distinctLines: lines.size,
  };
}

/** UTF-8 of one code unit, or of a surrogate pair when `low` ≥ 0; a lone surrogate becomes U+FFFD, as in
 * `Buffer.from(string, "utf8")`. Returns the new length. */
function writeUtf8(out: Uint8Array, at: number, c: number, low: number): number {
  let o = at;
  if (low >= 0) {
    const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
    out[o++] = 0xf0 | (cp >> 18);
    out[o++] = 0x80 | ((cp >> 12) & 0x3f);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
    out[o++] = 0x80 | (cp & 0x3f);
  } else if (c < 0x80) {
    out[o++] = c;
  } else if (c < 0x800) {
    out[o++] = 0xc0 | (c >> 6);
    out[o++] = 0x80 | (c & 0x3f);
  } else {
    const u = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
    out[o++] = 0xe0 | (u >> 12);
    out[o++] = 0x80 | ((u >> 6) & 0x3f);
    out[o++] = 0x80 | (u & 0x3f);
  }
  return o;
}

function shingle(words: Uint32Array, count: number): Uint32Array {
  // A text shorter than one shingle still gets one, so two identical short texts still compare equal.
  if (count === 0) return new Uint32Array(0);
  if (count < SHINGLE_WORDS) {
    let h = SHINGLE_SEED;
    for (let j = 0; j < count; j++) h = mix2(h, words[j]!);
    return Uint32Array.of(h);
  }
  const out = new Uint32Array(count - SHINGLE_WORDS + 1);
  for (let i = 0; i < out.length; i++) {
    let h = SHINGLE_SEED;
    for (let j = 0; j < SHINGLE_WORDS; j++) h = mix2(h, words[i + j]!);
    out[i] = h;
  }
  return out;
}

/** Open-addressing set of uint32 (0 is tracked apart, as it marks an empty slot). */
function countDistinct(values: Uint32Array): number {
  let size = 16;
  while (size < values.length * 2) size <<= 1;
  const table = new Uint32Array(size);
  const mask = size - 1;
  let distinct = 0;
  let sawZero = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === 0) {
      if (!sawZero) distinct++;
      sawZero = true;
      continue;
    }
    let slot = fmix32(v) & mask;
    for (;;) {
      const t = table[slot]!;
      if (t === 0) {
        table[slot] = v;
        distinct++;
        break;
      }
      if (t === v) break;
      slot = (slot + 1) & mask;
    }
  }
  return distinct;
}
