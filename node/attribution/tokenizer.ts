/**
 * What the attribution engine needs from a tokenizer. Token ids are integers in [0, vocabSize); the engine uses
 * `vocabSize` itself as the document separator, so it can never be produced by `encode`.
 */
export type Tokenizer = {
  /** Stable name written into index files, e.g. "cl100k_base"; an index only answers queries in its own ids. */
  readonly id: string;
  readonly vocabSize: number;
  encode(text: string): Uint32Array;
  decode(tokens: Uint32Array): string;
};
