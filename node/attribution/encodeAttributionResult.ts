import { createHash } from "node:crypto";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { AttributionResult } from "./attributeSpans.ts";
import { encodeEntry, encodeUint256 } from "./resultRoot.ts";

/**
 * The canonical bytes of a whole result (big-endian throughout), for hashing into an attestation's resultHash
 * and comparing results across processes byte for byte:
 *
 *   "OLAT" ‖ version u8 = 2 ‖ rulesVersion u8 ‖ minSpanLength u32 ‖ maxEntries u32 ‖ maxSpanOccurrences u32 ‖ outputLength u32
 *   ‖ entryCount u32 ‖ entries (uint256 id ‖ u32 ppm)…
 *   ‖ spanCount u32 ‖ spans (start u32 ‖ length u32 ‖ occurrences u32 ‖ corpusPosition u32 ‖ weight u64
 *                             ‖ idCount u32 ‖ uint256 ids…)…
 */
export function encodeAttributionResult(result: AttributionResult): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x4f, 0x4c, 0x41, 0x54, 2, result.rulesVersion)];
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    parts.push(b);
  };
  const o = result.options;
  u32(o.minSpanLength);
  u32(o.maxEntries);
  u32(o.maxSpanOccurrences);
  u32(result.outputLength);
  u32(result.entries.length);
  for (const e of result.entries) parts.push(encodeEntry(e));
  u32(result.spans.length);
  for (const s of result.spans) {
    u32(s.start);
    u32(s.length);
    u32(s.occurrences);
    u32(s.corpusPosition);
    const w = new Uint8Array(8);
    new DataView(w.buffer).setBigUint64(0, s.weight);
    parts.push(w);
    u32(s.contributionIds.length);
    for (const id of s.contributionIds) parts.push(encodeUint256(id));
  }
  return Buffer.concat(parts);
}

/** sha256 of the canonical encoding: what a worker puts in `attest(…, resultHash)`. */
export function resultHash(result: AttributionResult): Hash {
  return `0x${createHash("sha256").update(encodeAttributionResult(result)).digest("hex")}`;
}

/** JSON-safe form (bigints as decimal strings), for the CLI and logs. */
export function attributionResultToJson(result: AttributionResult): unknown {
  return {
    attributed: result.attributed,
    resultRoot: result.resultRoot,
    resultHash: resultHash(result),
    outputLength: result.outputLength,
    rulesVersion: result.rulesVersion,
    options: result.options,
    entries: result.entries.map((e) => ({
      contributionId: e.contributionId.toString(),
      weightPpm: e.weightPpm,
    })),
    spans: result.spans.map((s) => ({
      ...s,
      weight: s.weight.toString(),
      contributionIds: s.contributionIds.map(String),
    })),
  };
}
