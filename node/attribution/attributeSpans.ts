import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import { AttributionInputError } from "./attributionErrors.ts";
import {
  ATTRIBUTION_RULES_VERSION,
  type AttributionOptions,
  defaultAttributionOptions,
} from "./attributionOptions.ts";
import type { AttributionIndex } from "./createAttributionIndex.ts";
import { type AttributionEntry, normaliseToPpm } from "./normaliseToPpm.ts";
import { spanResultRoot } from "./resultRoot.ts";

/** A maximal output span found verbatim in the corpus. */
export type AttributionSpan = {
  /** Offset in the output, in tokens. */
  start: number;
  length: number;
  /** Places in the corpus where it occurs. */
  occurrences: number;
  /** Sum of its tokens' self-information, 2^-16 bits: longer and rarer spans weigh more. */
  weight: bigint;
  /**
   * Its first occurrence: the lowest global corpus position holding it, in the canonical layout (contributions
   * ascending by id). A verifier requires exactly this position, not just any occurrence: the result root
   * covers it, so two honest verifiers reproduce the same root.
   */
  corpusPosition: number;
  /** Contributions holding an occurrence, ascending; the span's weight is split equally among them. */
  contributionIds: bigint[];
};

export type AttributionResult = {
  /**
   * Whether any contribution earns weight (`entries` is not empty). False means "no attribution": no span of at
   * least minSpanLength tokens is in the corpus, or every span found weighs 0 (its tokens carry no information:
   * each is as frequent as the whole corpus, up to log2Fixed's resolution). Such spans are still listed.
   */
  attributed: boolean;
  entries: AttributionEntry[];
  spans: AttributionSpan[];
  /** `spanResultRoot`: commits to the rules, parameters, entries and every span with its positions. */
  resultRoot: Hash;
  outputLength: number;
  /** ATTRIBUTION_RULES_VERSION of the engine that computed it. */
  rulesVersion: number;
  options: AttributionOptions;
};

/** Extra precision when a span's weight is split between contributions (floor division). */
const SHARE_SHIFT = 20n;

/**
 * Span attribution in the spirit of infini-gram / OLMoTrace. For each output position the longest prefix found
 * in the corpus is measured; a span is kept when it is at least minSpanLength long and not contained in the
 * span starting one token earlier (so spans are maximal). Each span's weight is split equally between the
 * distinct contributions that contain it (repeating text inside one contribution earns nothing more), and the
 * per-contribution totals become ppm by largest remainder. Integer arithmetic only: the result is hashed.
 */
export function attributeSpans(
  index: AttributionIndex,
  output: Uint32Array,
  options: Partial<AttributionOptions> = {},
): AttributionResult {
  const opts = checkOptions({ ...defaultAttributionOptions, ...options });
  const m = output.length;
  // matchLength[i] is the exact longest match at i whenever it could reach minSpanLength, and otherwise an
  // upper bound below minSpanLength. A match at i is at most one longer than the match at i+1, so scanning right
  // to left, a position whose bound is already too short for a span needs no search: outside copied text that
  // skips most positions. Bounds never decide anything: a span start and the position before it that could
  // contain it (≥ span length + 1 ≥ L + 1) are always searched.
  const matchLength = new Int32Array(m);
  const L = opts.minSpanLength;
  let segmentEnd = m;
  for (let i = m - 1; i >= 0; i--) {
    // A token the corpus cannot contain (the separator or beyond) ends every match before it.
    if (output[i]! >= index.separator) {
      segmentEnd = i;
      continue;
    }
    const bound = Math.min(segmentEnd - i, i + 1 < segmentEnd ? matchLength[i + 1]! + 1 : 1);
    matchLength[i] = bound < L ? bound : index.longestMatch(output, i, i + bound);
  }
  const spans: AttributionSpan[] = [];
  const scores = new Map<bigint, bigint>();
  for (let i = 0; i < m; i++) {
    const length = matchLength[i]!;
    if (length < L) continue;
    if (i > 0 && matchLength[i - 1]! >= length + 1) continue;
    const occ = index.occurrences(output, i, length, opts.maxSpanOccurrences);
    if (occ.positions === undefined || occ.positions.length === 0) continue;
    let weight = 0;
    for (let k = i; k < i + length; k++) weight += index.information(output[k]!);
    const ids = new Set<bigint>();
    for (const p of occ.positions) ids.add(index.contributionAt(p));
    const contributionIds = [...ids].sort((a, b) => (a < b ? -1 : 1));
    const span: AttributionSpan = {
      start: i,
      length,
      occurrences: occ.count,
      weight: BigInt(weight),
      corpusPosition: occ.positions[0]!,
      contributionIds,
    };
    spans.push(span);
    const share = (span.weight << SHARE_SHIFT) / BigInt(contributionIds.length);
    for (const id of contributionIds) scores.set(id, (scores.get(id) ?? 0n) + share);
  }
  const entries = normaliseToPpm(scores, opts.maxEntries);
  const content = { rulesVersion: ATTRIBUTION_RULES_VERSION, options: opts, outputLength: m, entries, spans };
  return { attributed: entries.length > 0, ...content, resultRoot: spanResultRoot(content) };
}

function checkOptions(o: AttributionOptions): AttributionOptions {
  const ok = (v: number, min: number) => Number.isInteger(v) && v >= min && v <= 0x7fff_ffff;
  if (!ok(o.minSpanLength, 1) || !ok(o.maxEntries, 1) || !ok(o.maxSpanOccurrences, 1)) {
    throw new AttributionInputError(
      `Invalid attribution options ${JSON.stringify(o)}.`,
      "minSpanLength, maxEntries and maxSpanOccurrences must be positive integers.",
    );
  }
  return {
    minSpanLength: o.minSpanLength,
    maxEntries: o.maxEntries,
    maxSpanOccurrences: o.maxSpanOccurrences,
  };
}
