import { AttributionInputError } from "./attributionErrors.ts";
import { createByteTokenizer } from "./createByteTokenizer.ts";
import { createTiktokenTokenizer } from "./createTiktokenTokenizer.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** The tokenizer an index file names, so a loaded index tokenizes queries the way it tokenized its corpus. */
export function tokenizerById(id: string): Tokenizer {
  if (id === "cl100k_base") return createTiktokenTokenizer();
  if (id === "utf8-bytes") return createByteTokenizer();
  throw new AttributionInputError(
    `Unknown tokenizer "${id}".`,
    'Use "cl100k_base" or "utf8-bytes", or pass the Tokenizer object the index was built with.',
  );
}
