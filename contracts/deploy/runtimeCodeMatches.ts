import type { Hex } from "viem";
import type { ImmutableReference } from "../build/compileContracts.ts";

export type RuntimeCodeComparison =
  | { match: true }
  /** `offset`: the first differing byte of the runtime code (or the shorter length when only lengths differ). */
  | { match: false; offset: number; reason: "length" | "bytes" };

/**
 * Whether the code at an address is the compiled contract: equal to the artifact's runtime code byte for byte,
 * except inside the immutables' ranges, which the constructor filled (the artifact has zeros there). What the
 * immutables hold is checked through their getters (verifyDeployment), not here.
 */
export function runtimeCodeMatches(
  onChain: Hex | undefined,
  artifact: Hex,
  immutables: readonly ImmutableReference[],
): RuntimeCodeComparison {
  const chain = (onChain ?? "0x").slice(2).toLowerCase();
  const expected = artifact.slice(2).toLowerCase();
  if (chain.length !== expected.length) {
    return { match: false, offset: Math.min(chain.length, expected.length) / 2, reason: "length" };
  }
  const masked = new Uint8Array(expected.length / 2);
  for (const { start, length } of immutables) masked.fill(1, start, start + length);
  for (let i = 0; i < masked.length; i++) {
    if (masked[i]) continue;
    if (chain[2 * i] !== expected[2 * i] || chain[2 * i + 1] !== expected[2 * i + 1]) {
      return { match: false, offset: i, reason: "bytes" };
    }
  }
  return { match: true };
}
