import { computeDataRoot, type Hash } from "../../contracts/merkle/chunkTree.ts";
import type { AttributionOptions } from "./attributionOptions.ts";
import type { AttributionEntry } from "./normaliseToPpm.ts";

/** The root of an entry list with no entries ("no attribution"), see `entriesRoot`. */
export const NO_ATTRIBUTION_ROOT: Hash = `0x${"00".repeat(32)}`;

/** uint256 big-endian, as Solidity's abi.encodePacked writes it. */
export function encodeUint256(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new RangeError(`${value} is not a uint256.`);
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** An entry's canonical 36 bytes: uint256 contributionId ‖ uint32 weightPpm, big-endian. */
export function encodeEntry(entry: AttributionEntry): Uint8Array {
  const out = new Uint8Array(36);
  out.set(encodeUint256(entry.contributionId), 0);
  new DataView(out.buffer).setUint32(32, entry.weightPpm);
  return out;
}

/**
 * Merkle root over entries alone, in contribution-id order, each encoded entry a leaf of the project's chunk
 * tree (contracts/merkle/chunkTree.ts); the zero root for none. The root of an influence result.
 */
export function entriesRoot(entries: readonly AttributionEntry[]): Hash {
  if (entries.length === 0) return NO_ATTRIBUTION_ROOT;
  return computeDataRoot(entries.map(encodeEntry));
}

/** What a span result's root commits to: every field a verifier must reproduce. */
export type SpanResultContent = {
  rulesVersion: number;
  options: AttributionOptions;
  outputLength: number;
  entries: readonly AttributionEntry[];
  spans: readonly {
    start: number;
    length: number;
    occurrences: number;
    weight: bigint;
    corpusPosition: number;
    contributionIds: readonly bigint[];
  }[];
};

/**
 * The root of a span attribution: a chunk-tree root over
 *
 *   leaf 0         "OLAR" ‖ rulesVersion u8 ‖ minSpanLength u32 ‖ maxEntries u32 ‖ maxSpanOccurrences u32
 *                  ‖ outputLength u32 ‖ entryCount u32 ‖ spanCount u32                         (29 bytes)
 *   leaves 1..e    the entries as in `encodeEntry`                                              (36 bytes)
 *   then one per span, in output order: start u32 ‖ length u32 ‖ occurrences u32 ‖ corpusPosition u32
 *                  ‖ weight u64 ‖ contributionIds uint256…                                      (24 + 32k bytes)
 *
 * all big-endian. It covers the rules and parameters, the entries (entry i is provable as leaf 1 + i) and every
 * span with its position in the output and its first occurrence in the corpus: two results share a root only
 * when a verifier reproduced all of it. The leaf kinds differ in length, and the counts are in leaf 0.
 */
export function spanResultRoot(result: SpanResultContent): Hash {
  const header = new Uint8Array(29);
  header.set([0x4f, 0x4c, 0x41, 0x52, result.rulesVersion], 0);
  const hv = new DataView(header.buffer);
  const o = result.options;
  [o.minSpanLength, o.maxEntries, o.maxSpanOccurrences, result.outputLength]
    .concat([result.entries.length, result.spans.length])
    .forEach((n, i) => {
      hv.setUint32(5 + 4 * i, n);
    });
  const leaves = [header, ...result.entries.map(encodeEntry)];
  for (const s of result.spans) {
    const leaf = new Uint8Array(24 + 32 * s.contributionIds.length);
    const v = new DataView(leaf.buffer);
    v.setUint32(0, s.start);
    v.setUint32(4, s.length);
    v.setUint32(8, s.occurrences);
    v.setUint32(12, s.corpusPosition);
    v.setBigUint64(16, s.weight);
    s.contributionIds.forEach((id, i) => {
      leaf.set(encodeUint256(id), 24 + 32 * i);
    });
    leaves.push(leaf);
  }
  return computeDataRoot(leaves);
}
