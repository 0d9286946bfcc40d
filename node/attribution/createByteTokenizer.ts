import type { Tokenizer } from "./tokenizer.ts";

/** One token per UTF-8 byte: trivial and reversible, for tests and tiny examples where BPE would hide the data. */
export function createByteTokenizer(): Tokenizer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    id: "utf8-bytes",
    vocabSize: 256,
    encode(text) {
      return Uint32Array.from(encoder.encode(text));
    },
    decode(tokens) {
      return decoder.decode(Uint8Array.from(tokens));
    },
  };
}
