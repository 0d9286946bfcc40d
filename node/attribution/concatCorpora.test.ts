import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import type { Corpus } from "./buildCorpus.ts";
import { concatCorpora, corpusPart } from "./concatCorpora.ts";

const SEPARATOR = 1000;
type Doc = { id: bigint; tokens: number[] };

/** A corpus of `docs` in order (each followed by the separator), ids listed ascending as buildCorpus does. */
function corpusOf(docs: readonly Doc[]): Corpus {
  const contributionIds = [...new Set(docs.map((d) => d.id))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const tokens: number[] = [];
  const docStarts: number[] = [];
  for (const d of docs) {
    docStarts.push(tokens.length);
    tokens.push(...d.tokens, SEPARATOR);
  }
  docStarts.push(tokens.length);
  return {
    tokens: Uint32Array.from(tokens),
    docStarts: Uint32Array.from(docStarts),
    docContributions: Uint32Array.from(docs.map((d) => contributionIds.indexOf(d.id))),
    contributionIds,
  };
}

function randomDocs(random: () => number, count: number): Doc[] {
  return Array.from({ length: count }, () => ({
    // Few distinct ids, so parts share some.
    id: BigInt(Math.floor(random() * 8)),
    tokens: Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * SEPARATOR)),
  }));
}

describe("concatCorpora", () => {
  it("equals the corpus of all the parts' documents in one batch (random parts, shared ids)", () => {
    const random = mulberry32(7);
    for (let round = 0; round < 200; round++) {
      const parts = Array.from({ length: Math.floor(random() * 4) }, () =>
        randomDocs(random, Math.floor(random() * 5)),
      );
      expect(concatCorpora(parts.map((docs) => corpusPart(corpusOf(docs))))).toEqual(corpusOf(parts.flat()));
    }
  });

  it("copies each part's tokens through the part, at its offset", () => {
    const a = corpusOf([{ id: 5n, tokens: [1, 2] }]);
    const b = corpusOf([{ id: 3n, tokens: [4] }]);
    const offsets: number[] = [];
    const spy = (c: Corpus) => ({
      ...corpusPart(c),
      copyTokens: (into: Uint32Array, at: number) => {
        offsets.push(at);
        into.set(c.tokens, at);
      },
    });
    const joined = concatCorpora([spy(a), spy(b)]);
    expect(offsets).toEqual([0, 3]);
    expect([...joined.tokens]).toEqual([1, 2, SEPARATOR, 4, SEPARATOR]);
    expect(joined.contributionIds).toEqual([3n, 5n]);
    expect([...joined.docContributions]).toEqual([1, 0]);
  });

  it("of no parts is the empty corpus", () => {
    expect(concatCorpora([])).toEqual(corpusOf([]));
  });
});
