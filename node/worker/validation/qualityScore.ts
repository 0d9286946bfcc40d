import type { TextFeatures } from "./textFeatures.ts";

/** Each component is 0..10000; the score is their product rescaled to 0..10000, so one bad trait sinks it. */
export type QualityComponents = {
  /** Enough words to be worth training on: full at `FULL_WORDS` words. */
  length: number;
  /** Share of unprintable characters (controls, U+FFFD): full up to 1%, zero from 10%. */
  printable: number;
  /** Letters and digits among non-space characters: full from 70% (prose is ~95%, minified data far less). */
  alphabetic: number;
  /** Distinct 3-word shingles among all: full from 50% (spam that repeats a phrase scores near zero). */
  repetition: number;
  /** Distinct non-empty lines among all: full from 70% (copy-pasted lines or records). */
  lineDuplication: number;
};

export const FULL_WORDS = 50;
const FULL = 10000;

function clamp(n: number): number {
  return n < 0 ? 0 : n > FULL ? FULL : Math.floor(n);
}

/** `part / whole` scaled so that `fullAt` (in basis points) and above give 10000. Integer arithmetic only. */
function ratioScore(part: number, whole: number, fullAtBps: number): number {
  if (whole === 0) return 0;
  const bps = Math.floor((part * FULL) / whole);
  return clamp(Math.floor((bps * FULL) / fullAtBps));
}

export function computeQuality(f: TextFeatures): { score: number; components: QualityComponents } {
  const printableBps =
    f.nonSpaceChars === 0 ? 0 : Math.floor(((f.nonSpaceChars - f.unprintableChars) * FULL) / f.nonSpaceChars);
  const components: QualityComponents = {
    length: clamp(Math.floor((f.wordCount * FULL) / FULL_WORDS)),
    printable: clamp(Math.floor(((printableBps - 9000) * FULL) / 900)),
    alphabetic: ratioScore(f.wordChars, f.nonSpaceChars, 7000),
    repetition: ratioScore(f.distinctShingleCount, f.shingles.length, 5000),
    lineDuplication: ratioScore(f.distinctLines, f.nonEmptyLines, 7000),
  };
  let score = FULL;
  for (const c of [
    components.length,
    components.printable,
    components.alphabetic,
    components.repetition,
    components.lineDuplication,
  ]) {
    score = Math.floor((score * c) / FULL);
  }
  return { score, components };
}
