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
 * The version of the span-attribution rules (parameters below, corpus layout, weights, result root). A result
 * names it in its root and encoding; a verifier only ever applies the version it implements.
 */
export const ATTRIBUTION_RULES_VERSION = 1;

/**
 * The protocol's parameters, version 1: every verifier applies exactly these, whatever a claim says
 * (`verifyAttribution` takes no parameters from a claim). Other values are for exploring a corpus offline
 * (`olnode attribute trace --min-span N`), never for judging a claim.
 *
 * L = 8 cl100k tokens is about six English words: long enough that a chance match between an output and a
 * corpus is rare outside stock phrases (which the rarity weighting discounts further), short enough to catch
 * a copied clause. OLMoTrace works at similar lengths. 64 entries keeps `recordInference` calldata near 4 KB.
 */
export const protocolAttributionOptions: Readonly<AttributionOptions> = Object.freeze({
  minSpanLength: 8,
  maxEntries: 64,
  maxSpanOccurrences: 4096,
});

/** The defaults of `attributeSpans` and the engine: the protocol's parameters. */
export const defaultAttributionOptions: Readonly<AttributionOptions> = protocolAttributionOptions;

export function isProtocolOptions(o: AttributionOptions): boolean {
  return (
    o.minSpanLength === protocolAttributionOptions.minSpanLength &&
    o.maxEntries === protocolAttributionOptions.maxEntries &&
    o.maxSpanOccurrences === protocolAttributionOptions.maxSpanOccurrences
  );
}
