import { createRequire } from "node:module";
import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";
import type { Tokenizer } from "./tokenizer.ts";

/** cl100k_base: the largest special-token id is 100276, so ids run 0..100276. */
const CL100K_VOCAB_SIZE = 100_277;

// The ranks are a 1 MB module and building the BPE tables costs ~1 s of CPU, so both happen on first use,
// once per process: importing this package (or running `--help`) stays cheap.
let shared: Tiktoken | undefined;
function bpe(): Tiktoken {
  if (!shared) {
    const ranks = createRequire(import.meta.url)("js-tiktoken/ranks/cl100k_base") as TiktokenBPE;
    shared = new Tiktoken(ranks);
  }
  return shared;
}

/**
 * cl100k_base BPE from js-tiktoken. The ranks ship inside the npm package (nothing is fetched), so every node
 * tokenizes the same text into the same ids. Special tokens are encoded as plain text: contributed data must
 * not be able to inject `<|endoftext|>` and friends.
 */
export function createTiktokenTokenizer(): Tokenizer {
  return {
    id: "cl100k_base",
    vocabSize: CL100K_VOCAB_SIZE,
    encode(text) {
      return Uint32Array.from(bpe().encode(text, [], []));
    },
    decode(tokens) {
      return bpe().decode(Array.from(tokens));
    },
  };
}
