/** What a span attribution depends on besides the corpus and the output; part of the hashed result. */
export type AttributionOptions = {
  /** Shortest span that counts, in tokens. */
  minSpanLength: number;
  /** Most contributions in one result (the arrays go on-chain, so their length is bounded). */
  maxEntries: number;
  /** Spans found in more places than this are boilerplate and are dropped (and would cost time to list). */
  maxSpanOccurrences: number;
};

/**
 * L = 8 cl100k tokens is about six English words: long enough that a chance match between an output and a
 * corpus is rare outside stock phrases (which the rarity weighting discounts further), short enough to catch
 * a copied clause. OLMoTrace works at similar lengths. 64 entries keeps `recordInference` calldata near 4 KB.
 */
export const defaultAttributionOptions: AttributionOptions = {
  minSpanLength: 8,
  maxEntries: 64,
  maxSpanOccurrences: 4096,
};
