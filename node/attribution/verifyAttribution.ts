import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import { type AttributionResult, type AttributionSpan, attributeSpans } from "./attributeSpans.ts";
import { AttributionInputError } from "./attributionErrors.ts";
import { protocolAttributionOptions } from "./attributionOptions.ts";
import type { AttributionIndex } from "./createAttributionIndex.ts";
import { PPM } from "./normaliseToPpm.ts";

/**
 * What an on-chain `recordInference` says, plus the output it is about (fetched by its outputRoot). It carries no
 * parameters: the verifier applies the protocol's (`protocolAttributionOptions`), and a claim object with an
 * `options` field is refused as malformed rather than silently obeyed or ignored. The corpus is the verifier's
 * index, which must be the corpus the inference was recorded against (its `corpusBlock`).
 */
export type AttributionClaim = {
  output: Uint32Array;
  contributionIds: readonly bigint[];
  /** Parts per million, in the order of contributionIds. */
  weights: readonly (number | bigint)[];
  /** Spans the claimant published, if any: each is checked against the corpus on its own. */
  spans?: readonly AttributionSpan[];
  /** `spanResultRoot` of the claimed result: covers entries, spans and their positions, rules and parameters. */
  resultRoot?: Hash;
};

export type VerdictCode =
  | "MALFORMED_CLAIM"
  | "SPAN_OUT_OF_RANGE"
  | "SPAN_NOT_IN_CORPUS"
  | "SPAN_TOO_SHORT"
  | "SPAN_NOT_MAXIMAL"
  | "SPAN_MISMATCH"
  | "SPAN_POSITION_MISMATCH"
  | "ENTRIES_MISMATCH"
  | "ROOT_MISMATCH";

export type AttributionVerdict =
  | { valid: true; result: AttributionResult }
  | { valid: false; code: VerdictCode; reason: string; result: AttributionResult | undefined };

/**
 * Re-checks a claim exactly against this node's own index under the protocol's parameters: the claim's shape,
 * each published span (its tokens equal the corpus at the claimed place, it is at least minSpanLength long, it
 * cannot be extended either way, its weight and contributions recompute, and the claimed place is the span's
 * first occurrence — another occurrence of the same tokens does not do), and finally the entries and root
 * against a full recomputation. The first failure is the verdict.
 *
 * The index must have the canonical layout (contributions ascending by id across shards, as the worker builds
 * it), since first occurrences are positions in it; another layout throws AttributionInputError.
 */
export function verifyAttribution(claim: AttributionClaim, index: AttributionIndex): AttributionVerdict {
  const bad = (code: VerdictCode, reason: string, result?: AttributionResult): AttributionVerdict => ({
    valid: false,
    code,
    reason,
    result,
  });
  const layout = checkLayout(index);
  if (layout) {
    throw new AttributionInputError(
      layout,
      "Build the index with contributions in ascending id order (add shards only of higher ids).",
    );
  }
  const shape = checkShape(claim);
  if (shape) return bad("MALFORMED_CLAIM", shape);

  const result = attributeSpans(index, claim.output, protocolAttributionOptions);
  const { output } = claim;
  const L = result.options.minSpanLength;
  for (const [n, span] of (claim.spans ?? []).entries()) {
    const where = `span ${n} (output ${span.start}+${span.length})`;
    if (
      !Number.isInteger(span.start) ||
      !Number.isInteger(span.length) ||
      span.start < 0 ||
      span.length < 1 ||
      span.start + span.length > output.length ||
      !Number.isInteger(span.corpusPosition) ||
      span.corpusPosition < 0 ||
      span.corpusPosition + span.length > index.size
    ) {
      return bad("SPAN_OUT_OF_RANGE", `${where} lies outside the output or the corpus.`, result);
    }
    for (let k = 0; k < span.length; k++) {
      if (index.tokenAt(span.corpusPosition + k) !== output[span.start + k]) {
        return bad(
          "SPAN_NOT_IN_CORPUS",
          `${where} differs from the corpus at position ${span.corpusPosition + k}.`,
          result,
        );
      }
    }
    if (span.length < L) return bad("SPAN_TOO_SHORT", `${where} is shorter than ${L} tokens.`, result);
    const end = segmentEnd(output, span.start, index.separator);
    const longest = index.longestMatch(output, span.start, end);
    const extendsLeft =
      span.start > 0 &&
      output[span.start - 1]! < index.separator &&
      index.longestMatch(output, span.start - 1, end) >= span.length + 1;
    if (longest !== span.length || extendsLeft) {
      return bad("SPAN_NOT_MAXIMAL", `${where} is not maximal: the corpus holds a longer match.`, result);
    }
    const mine = result.spans.find((s) => s.start === span.start);
    if (
      !mine ||
      mine.weight !== span.weight ||
      mine.occurrences !== span.occurrences ||
      mine.contributionIds.join() !== span.contributionIds.join()
    ) {
      return bad("SPAN_MISMATCH", `${where}: weight, occurrences or contributions do not recompute.`, result);
    }
    if (mine.corpusPosition !== span.corpusPosition) {
      return bad(
        "SPAN_POSITION_MISMATCH",
        `${where} is placed at corpus position ${span.corpusPosition}; its first occurrence is ${mine.corpusPosition}.`,
        result,
      );
    }
  }

  const expected = result.entries;
  const same =
    expected.length === claim.contributionIds.length &&
    expected.every(
      (e, i) =>
        e.contributionId === claim.contributionIds[i] && BigInt(e.weightPpm) === BigInt(claim.weights[i]!),
    );
  if (!same) {
    const show = expected.map((e) => `${e.contributionId}:${e.weightPpm}`).join(", ") || "no attribution";
    return bad("ENTRIES_MISMATCH", `The claimed weights do not recompute; expected [${show}].`, result);
  }
  if (claim.resultRoot !== undefined && claim.resultRoot.toLowerCase() !== result.resultRoot) {
    return bad("ROOT_MISMATCH", `The claimed resultRoot differs from ${result.resultRoot}.`, result);
  }
  return { valid: true, result };
}

function segmentEnd(output: Uint32Array, from: number, separator: number): number {
  let i = from;
  while (i < output.length && output[i]! < separator) i++;
  return i;
}

const layoutChecked = new WeakMap<AttributionIndex, string | undefined>();

/** Documents must run in ascending contribution id through all shards (once per index, then remembered). */
function checkLayout(index: AttributionIndex): string | undefined {
  if (layoutChecked.has(index)) return layoutChecked.get(index);
  let problem: string | undefined;
  let last = -1n;
  outer: for (const [k, shard] of index.shards.entries()) {
    for (let d = 0; d < shard.docContributions.length; d++) {
      const id = shard.contributionIds[shard.docContributions[d]!]!;
      if (id < last) {
        problem = `Shard ${k} of the index holds contribution ${id} after contribution ${last}: not the canonical layout.`;
        break outer;
      }
      last = id;
    }
  }
  layoutChecked.set(index, problem);
  return problem;
}

function checkShape(claim: AttributionClaim): string | undefined {
  if (Object.hasOwn(claim, "options")) {
    return "a claim carries no parameters: the verifier applies the protocol's (drop the options field).";
  }
  const { contributionIds: ids, weights } = claim;
  if (!(claim.output instanceof Uint32Array)) return "output must be a Uint32Array of token ids.";
  if (ids.length !== weights.length) return `${ids.length} contributionIds but ${weights.length} weights.`;
  let sum = 0n;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (typeof id !== "bigint" || id < 0n || id >= 1n << 256n)
      return `contributionIds[${i}] is not a uint256.`;
    if (i > 0 && id <= ids[i - 1]!) return "contributionIds must be strictly ascending.";
    const w = weights[i]!;
    if (!(typeof w === "bigint" || Number.isInteger(w)) || BigInt(w) <= 0n)
      return `weights[${i}] is not a positive integer.`;
    sum += BigInt(w);
  }
  if (ids.length > 0 && sum !== BigInt(PPM)) return `weights sum to ${sum}, not ${PPM}.`;
  return undefined;
}
