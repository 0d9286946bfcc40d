import type { Corpus } from "./buildCorpus.ts";

/** One piece of a concatenation: its document table, its contribution ids, and how to copy its tokens out. */
export type CorpusPart = {
  /** Tokens, separators included. */
  size: number;
  documentCount: number;
  contributionIds: readonly bigint[];
  /** docStarts[d] is where document d starts, local to the part. */
  docStarts: ArrayLike<number>;
  /** docContributions[d] indexes the part's contributionIds. */
  docContributions: ArrayLike<number>;
  /** Writes the part's `size` tokens into `into` from index `at`. */
  copyTokens(into: Uint32Array, at: number): void;
};

/** A corpus held in memory as a part. */
export const corpusPart = (corpus: Corpus): CorpusPart => ({
  size: corpus.tokens.length,
  documentCount: corpus.docContributions.length,
  contributionIds: corpus.contributionIds,
  docStarts: corpus.docStarts,
  docContributions: corpus.docContributions,
  copyTokens: (into, at) => into.set(corpus.tokens, at),
});

/**
 * The parts concatenated in order, as if their contributions had arrived in one batch: the contribution ids
 * merged into one ascending list, each document's start and contribution index rebased onto the whole.
 */
export function concatCorpora(parts: readonly CorpusPart[]): Corpus {
  let tokenCount = 0;
  let docCount = 0;
  const idSet = new Set<bigint>();
  for (const p of parts) {
    tokenCount += p.size;
    docCount += p.documentCount;
    for (const id of p.contributionIds) idSet.add(id);
  }
  const contributionIds = [...idSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const idIndex = new Map(contributionIds.map((id, i) => [id, i]));
  const tokens = new Uint32Array(tokenCount);
  const docStarts = new Uint32Array(docCount + 1);
  const docContributions = new Uint32Array(docCount);
  let at = 0;
  let d = 0;
  for (const p of parts) {
    p.copyTokens(tokens, at);
    for (let k = 0; k < p.documentCount; k++) {
      docStarts[d] = at + p.docStarts[k]!;
      docContributions[d] = idIndex.get(p.contributionIds[p.docContributions[k]!]!)!;
      d++;
    }
    at += p.size;
  }
  docStarts[docCount] = at;
  return { tokens, docStarts, docContributions, contributionIds };
}
