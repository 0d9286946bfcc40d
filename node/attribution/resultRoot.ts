import { computeDataRoot, type Hash } from "../../contracts/merkle/chunkTree.ts";
import type { AttributionEntry } from "./normaliseToPpm.ts";

/** The root of a result with no entries ("no attribution"). */
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
 * Merkle root over the entries in contribution-id order, each encoded entry a leaf of the project's chunk tree
 * (contracts/merkle/chunkTree.ts), so one entry can be proven against the root with the same proof code.
 */
export function resultRoot(entries: readonly AttributionEntry[]): Hash {
  if (entries.length === 0) return NO_ATTRIBUTION_ROOT;
  return computeDataRoot(entries.map(encodeEntry));
}
