import { mulberry32 as createRandom } from "../../config/common/mulberry32.ts";
import type { Corpus } from "./buildCorpus.ts";

/** The seeded PRNG the fixtures are drawn with (re-exported for their callers). */
export { createRandom };

/** Token ids drawn from a Zipf(s) law over [0, vocabSize): id r has probability ∝ 1/(r+1)^s, like text. */
export function createZipfSampler(vocabSize: number, random: () => number, s = 1.1): () => number {
  const cdf = new Float64Array(vocabSize);
  let sum = 0;
  for (let r = 0; r < vocabSize; r++) {
    sum += 1 / (r + 1) ** s;
    cdf[r] = sum;
  }
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = vocabSize - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export type SyntheticCorpusParameters = {
  tokens: number;
  vocabSize: number;
  seed: number;
  /** Documents are uniformly 1..2·meanDocLength tokens long. */
  meanDocLength: number;
  /** Documents per contribution; contribution ids count up from 1. */
  docsPerContribution?: number;
};

/**
 * A corpus of Zipfian token ids laid out exactly like buildCorpus's (separator = vocabSize after each
 * document), without a tokenizer: tests and benchmarks of the index should not measure BPE speed.
 */
export function syntheticCorpus({
  tokens,
  vocabSize,
  seed,
  meanDocLength,
  docsPerContribution = 4,
}: SyntheticCorpusParameters): Corpus {
  const random = createRandom(seed);
  const sample = createZipfSampler(vocabSize, random);
  const out = new Uint32Array(tokens);
  const starts: number[] = [];
  let at = 0;
  while (at < tokens) {
    starts.push(at);
    const length = 1 + Math.floor(random() * 2 * meanDocLength);
    const end = Math.min(tokens - 1, at + length);
    while (at < end) out[at++] = sample();
    out[at++] = vocabSize;
  }
  const docs = starts.length;
  const docStarts = Uint32Array.from([...starts, tokens]);
  const docContributions = Uint32Array.from({ length: docs }, (_, d) => Math.floor(d / docsPerContribution));
  const contributionCount = docs === 0 ? 0 : docContributions[docs - 1]! + 1;
  const contributionIds = Array.from({ length: contributionCount }, (_, i) => BigInt(i + 1));
  return { tokens: out, docStarts, docContributions, contributionIds };
}
