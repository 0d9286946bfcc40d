import { decodeText } from "../../contracts/text/decodeText.ts";
import { type AttributionResult, attributeSpans } from "./attributeSpans.ts";
import { AttributionInputError } from "./attributionErrors.ts";
import { type AttributionOptions, defaultAttributionOptions } from "./attributionOptions.ts";
import { addContributions } from "./buildAttributionIndex.ts";
import type { ContributionInput } from "./buildCorpus.ts";
import type { AttributionIndex } from "./createAttributionIndex.ts";
import { type LoadIndexOptions, loadIndex, saveIndex } from "./indexFile.ts";
import type { Tokenizer } from "./tokenizer.ts";
import { tokenizerById } from "./tokenizerById.ts";
import { type AttributionClaim, type AttributionVerdict, verifyAttribution } from "./verifyAttribution.ts";

/** What the worker and the devnet hold per Datanet: an index, its tokenizer and the options all nodes share. */
export type AttributionEngine = {
  readonly index: AttributionIndex;
  readonly tokenizer: Tokenizer;
  readonly options: AttributionOptions;
  /** Text is tokenized with the index's tokenizer (a leading BOM dropped, as from bytes); token arrays are used as they are. */
  attribute(output: string | Uint32Array | readonly number[]): AttributionResult;
  /** Re-checks an on-chain claim; `output` may be text or tokens. */
  verify(
    claim: Omit<AttributionClaim, "output"> & { output: string | Uint32Array | readonly number[] },
  ): AttributionVerdict;
  /** A new engine whose index has one more shard with these newly accepted contributions. */
  addContributions(contributions: readonly ContributionInput[]): AttributionEngine;
  /** A new engine whose shards are merged into one. */
  merge(): AttributionEngine;
  save(path: string): void;
  /** Closes the index file a loaded engine reads from (engines grown from it share it). */
  close(): void;
};

export type CreateAttributionEngineParameters = {
  index: AttributionIndex;
  /** Defaults to the tokenizer the index names. */
  tokenizer?: Tokenizer;
  options?: Partial<AttributionOptions>;
};

export function createAttributionEngine({
  index,
  tokenizer = tokenizerById(index.tokenizerId),
  options = {},
}: CreateAttributionEngineParameters): AttributionEngine {
  if (tokenizer.id !== index.tokenizerId || tokenizer.vocabSize !== index.separator) {
    throw new AttributionInputError(
      `Tokenizer ${tokenizer.id} does not match the index (${index.tokenizerId}).`,
      "Use the tokenizer the index was built with.",
    );
  }
  const opts: AttributionOptions = { ...defaultAttributionOptions, ...options };
  const toTokens = (output: string | Uint32Array | readonly number[]): Uint32Array => {
    if (typeof output === "string") return tokenizer.encode(decodeText(output));
    if (output instanceof Uint32Array) return output;
    if (!output.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffff_ffff)) {
      throw new AttributionInputError(
        "Output tokens must be non-negative integers.",
        "Pass token ids from the index's tokenizer.",
      );
    }
    return Uint32Array.from(output);
  };
  const withIndex = (next: AttributionIndex) =>
    createAttributionEngine({ index: next, tokenizer, options: opts });
  return {
    index,
    tokenizer,
    options: opts,
    attribute: (output) => attributeSpans(index, toTokens(output), opts),
    verify: (claim) => verifyAttribution({ ...claim, output: toTokens(claim.output) }, index),
    addContributions: (contributions) => withIndex(addContributions(index, { contributions, tokenizer })),
    merge: () => withIndex(index.merged()),
    save: (path) => saveIndex(index, path),
    close: () => index.close(),
  };
}

/**
 * Opens an index file (searched in place, see indexFile.ts) and wraps it in an engine with the tokenizer the
 * file names. Call `close()` when done with it.
 */
export function loadAttributionEngine(
  path: string,
  options: Partial<AttributionOptions> = {},
  load: LoadIndexOptions = {},
): AttributionEngine {
  const index = loadIndex(path, load);
  try {
    return createAttributionEngine({ index, options });
  } catch (error) {
    index.close();
    throw error;
  }
}
