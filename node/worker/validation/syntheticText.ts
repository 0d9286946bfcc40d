import { mulberry32 as createRandom } from "../../../config/common/mulberry32.ts";

/**
 * Seeded synthetic prose for tests and benchmarks: a fixed vocabulary of made-up words drawn with a Zipf-like
 * (1/rank) frequency, so that unrelated texts share common words and phrases the way natural text does.
 */

/** The seeded PRNG the fixtures are drawn with (re-exported for their callers). */
export { createRandom };

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ren",
  "sta",
  "vo",
  "qui",
  "der",
  "an",
  "tel",
  "po",
  "ris",
  "ve",
  "nor",
  "sha",
  "ul",
];
// 2–4 of 16 syllables give 69,888 possible words, comfortably more than the vocabulary needs.
const VOCABULARY_SIZE = 8000;

const vocabulary: string[] = (() => {
  const random = createRandom(0x0ca8);
  const words = new Set<string>();
  while (words.size < VOCABULARY_SIZE) {
    const n = 2 + Math.floor(random() * 3);
    let w = "";
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
})();

function pickWord(random: () => number): string {
  // exp(u·ln V) is 1/rank distributed over 1..V.
  const rank = Math.floor(Math.exp(random() * Math.log(VOCABULARY_SIZE)));
  return vocabulary[Math.min(rank, VOCABULARY_SIZE) - 1]!;
}

/** About `words` words of prose: sentences of 6–20 words, a paragraph break every few sentences. */
export function syntheticText(seed: number, words: number): string {
  const random = createRandom(seed);
  const out: string[] = [];
  let written = 0;
  while (written < words) {
    const length = 6 + Math.floor(random() * 15);
    const sentence: string[] = [];
    for (let i = 0; i < length; i++) sentence.push(pickWord(random));
    const first = sentence[0]!;
    sentence[0] = first[0]!.toUpperCase() + first.slice(1);
    out.push(`${sentence.join(" ")}${random() < 0.8 ? "." : ","}${random() < 0.2 ? "\n" : " "}`);
    written += length;
  }
  return out.join("").trimEnd();
}

/** Replaces `fraction` of the words (chosen at random positions) with random vocabulary words. */
export function mutateWords(text: string, fraction: number, seed: number): string {
  const random = createRandom(seed);
  const tokens = text.split(" ");
  const changes = Math.round(tokens.length * fraction);
  for (let i = 0; i < changes; i++) {
    const at = Math.floor(random() * tokens.length);
    tokens[at] = pickWord(random);
  }
  return tokens.join(" ");
}

/** A text of about `bytes` UTF-8 bytes (the vocabulary is ASCII). */
export function syntheticTextOfBytes(seed: number, bytes: number): string {
  // ~7 bytes per word on average; generate a little more and cut at a space.
  const text = syntheticText(seed, Math.ceil(bytes / 6));
  const cut = text.lastIndexOf(" ", bytes);
  return text.slice(0, cut > 0 ? cut : bytes);
}
