import { Tiktoken } from "js-tiktoken/lite";
import cl100kBase from "js-tiktoken/ranks/cl100k_base";
import type { Tokenizer } from "./tokenizer.ts";

/**
 * cl100k_base BPE from js-tiktoken. The ranks ship inside the npm package (nothing is fetched), so every node
 * tokenizes the same text into the same ids. Special tokens are encoded as plain text: contributed data must
 * not be able to inject `<|endoftext|>` and friends.
 */
export function createTiktokenTokenizer(): Tokenizer {
  const bpe = new Tiktoken(cl100kBase);
  let vocabSize = 0;
  for (const id of Object.values(cl100kBase.special_tokens)) vocabSize = Math.max(vocabSize, id + 1);
  return {
    id: "cl100k_base",
    vocabSize,
    encode(text) {
      return Uint32Array.from(bpe.encode(text, [], []));
    },
    decode(tokens) {
      return bpe.decode(Array.from(tokens));
    },
  };
}
