import type { Corpus } from "./buildCorpus.ts";
import { buildSuffixArray } from "./buildSuffixArray.ts";
import { concatCorpora, corpusPart } from "./concatCorpora.ts";

/** One batch of contributions with its suffix array. A new batch becomes a new shard; shards merge on demand. */
export type IndexShard = Corpus & { suffixArray: Int32Array };

/** `separator` is the tokenizer's vocabSize: the largest symbol, so the SA-IS alphabet is separator + 1. */
export function buildIndexShard(corpus: Corpus, separator: number): IndexShard {
  return { ...corpus, suffixArray: buildSuffixArray(corpus.tokens, separator + 1) };
}

/** Shards concatenated in order, as if their contributions had arrived in one batch; the SA is rebuilt. */
export function mergeIndexShards(shards: readonly IndexShard[], separator: number): IndexShard {
  return buildIndexShard(concatCorpora(shards.map(corpusPart)), separator);
}
