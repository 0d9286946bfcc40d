import { decodeText } from "../../contracts/text/decodeText.ts";
import { jsonlRecordTexts } from "../../contracts/text/jsonlRecordTexts.ts";
import { CorpusFormatError } from "./attributionErrors.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** One accepted contribution of a Datanet, as its bytes (or already-decoded text) and its declared format. */
export type ContributionInput = {
  /** The on-chain uint256 id. The engine uses bigint everywhere and decimal strings in JSON. */
  contributionId: bigint;
  format: "text" | "jsonl";
  /** Bytes (UTF-8) or text; either way one leading byte-order mark is dropped (`decodeText`). */
  content: string | Uint8Array;
};

/**
 * A batch of contributions as one token array: each document's tokens followed by one separator token
 * (`tokenizer.vocabSize`). A text contribution is one document; a JSONL contribution is one document per
 * record, its text as validation reads it (contracts/text/jsonlRecordTexts.ts), so spans never run from one
 * record into the next. Documents with no tokens are skipped.
 */
export type Corpus = {
  tokens: Uint32Array;
  /** docStarts[d] is where document d starts; the last entry is tokens.length. */
  docStarts: Uint32Array;
  /** docContributions[d] indexes contributionIds. */
  docContributions: Uint32Array;
  /** Distinct contribution ids, ascending. */
  contributionIds: bigint[];
};

export type BuildCorpusParameters = {
  contributions: readonly ContributionInput[];
  tokenizer: Tokenizer;
  /** JSONL fields whose values form the document, in this order; default: every top-level string field. */
  jsonlFields?: readonly string[];
};

const MAX_CORPUS_TOKENS = 0x7fff_fff0;

export function buildCorpus({ contributions, tokenizer, jsonlFields }: BuildCorpusParameters): Corpus {
  // Ascending id order makes the layout independent of the order the caller happened to list them in.
  const sorted = [...contributions].sort((a, b) =>
    a.contributionId < b.contributionId ? -1 : a.contributionId > b.contributionId ? 1 : 0,
  );
  const docs: Uint32Array[] = [];
  const docOwner: number[] = [];
  const contributionIds: bigint[] = [];
  let total = 0;
  for (const c of sorted) {
    if (c.contributionId < 0n || c.contributionId >= 1n << 256n) {
      throw new CorpusFormatError(c.contributionId, `Contribution id ${c.contributionId} is not a uint256.`);
    }
    if (contributionIds.length > 0 && contributionIds[contributionIds.length - 1] === c.contributionId) {
      throw new CorpusFormatError(c.contributionId, `Contribution ${c.contributionId} is listed twice.`);
    }
    contributionIds.push(c.contributionId);
    const text = decodeText(c.content);
    const texts = c.format === "jsonl" ? jsonlDocuments(c.contributionId, text, jsonlFields) : [text];
    for (const t of texts) {
      const tokens = tokenizer.encode(t);
      if (tokens.length === 0) continue;
      total += tokens.length + 1;
      if (total > MAX_CORPUS_TOKENS) {
        throw new CorpusFormatError(c.contributionId, "The batch has more than 2^31 tokens.", undefined);
      }
      docs.push(tokens);
      docOwner.push(contributionIds.length - 1);
    }
  }
  const tokens = new Uint32Array(total);
  const docStarts = new Uint32Array(docs.length + 1);
  let at = 0;
  for (let d = 0; d < docs.length; d++) {
    docStarts[d] = at;
    tokens.set(docs[d]!, at);
    at += docs[d]!.length;
    tokens[at++] = tokenizer.vocabSize;
  }
  docStarts[docs.length] = at;
  return { tokens, docStarts, docContributions: Uint32Array.from(docOwner), contributionIds };
}

function jsonlDocuments(id: bigint, text: string, fields: readonly string[] | undefined): string[] {
  const records = jsonlRecordTexts(text, fields);
  if (records.ok) return records.texts;
  throw new CorpusFormatError(
    id,
    `Contribution ${id} line ${records.line} is not a valid JSONL record (${records.reason}${records.field === undefined ? "" : ` ${JSON.stringify(records.field)}`}).`,
  );
}
