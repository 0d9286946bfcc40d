import type { Corpus } from "./buildCorpus.ts";
import { buildSuffixArray } from "./buildSuffixArray.ts";

/** One batch of contributions with its suffix array. A new batch becomes a new shard; shards merge on demand. */
export type IndexShard = Corpus & { suffixArray: Int32Array };

/** `separator` is the tokenizer's vocabSize: the largest symbol, so the SA-IS alphabet is separator + 1. */
export function buildIndexShard(corpus: Corpus, separator: number): IndexShard {
  return { ...corpus, suffixArray: buildSuffixArray(corpus.tokens, separator + 1) };
}

/** Shards concatenated in order, as if their contributions had arrived in one batch; the SA is rebuilt. */
export function mergeIndexShards(shards: readonly IndexShard[], separator: number): IndexShard {
  let tokenCount = 0;
  let docCount = 0;
  const idSet = new Set<bigint>();
  for (const s of shards) {
    tokenCount += s.tokens.length;
    docCount += s.docContributions.length;
    for (const id of s.contributionIds) idSet.add(id);
  }
  const contributionIds = [...idSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const idIndex = new Map(contributionIds.map((id, i) => [id, i]));
  const tokens = new Uint32Array(tokenCount);
  const docStarts = new Uint32Array(docCount + 1);
  const docContributions = new Uint32Array(docCount);
  let at = 0;
  let d = 0;
  for (const s of shards) {
    tokens.set(s.tokens, at);
    for (let i = 0; i < s.docContributions.length; i++) {
      docStarts[d] = at + s.docStarts[i]!;
      docContributions[d] = idIndex.get(s.contributionIds[s.docContributions[i]!]!)!;
      d++;
    }
    at += s.tokens.length;
  }
  docStarts[docCount] = at;
  return buildIndexShard({ tokens, docStarts, docContributions, contributionIds }, separator);
}
