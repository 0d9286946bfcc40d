import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import { epochManagerDeployedBytecode, epochManagerImmutableReferences } from "../generated/index.ts";
import { runtimeCodeMatches } from "./runtimeCodeMatches.ts";

const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString("hex")}`;
const bytesOf = (code: Hex) => new Uint8Array(Buffer.from(code.slice(2), "hex"));

describe("runtimeCodeMatches", () => {
  const artifact = epochManagerDeployedBytecode;
  const immutables = epochManagerImmutableReferences;

  it("accepts the artifact with any values in its immutables, in either hex case", () => {
    const random = mulberry32(7);
    for (let round = 0; round < 50; round++) {
      const code = bytesOf(artifact);
      for (const { start, length } of immutables)
        for (let i = start; i < start + length; i++) code[i] = Math.floor(random() * 256);
      const onChain = hex(code);
      expect(runtimeCodeMatches(onChain, artifact, immutables)).toEqual({ match: true });
      expect(runtimeCodeMatches(`0x${onChain.slice(2).toUpperCase()}`, artifact, immutables).match).toBe(
        true,
      );
    }
  });

  it("names the first differing byte of any change outside the immutables", () => {
    const random = mulberry32(11);
    const masked = new Set(
      immutables.flatMap(({ start, length }) => Array.from({ length }, (_, i) => start + i)),
    );
    for (let round = 0; round < 200; round++) {
      const code = bytesOf(artifact);
      let at: number;
      do at = Math.floor(random() * code.length);
      while (masked.has(at));
      code[at] = (code[at]! + 1 + Math.floor(random() * 255)) % 256;
      expect(runtimeCodeMatches(hex(code), artifact, immutables)).toEqual({
        match: false,
        offset: at,
        reason: "bytes",
      });
    }
  });

  it("refuses no code, other lengths and another contract", () => {
    expect(runtimeCodeMatches(undefined, artifact, immutables)).toMatchObject({ match: false, offset: 0 });
    expect(runtimeCodeMatches("0x", artifact, immutables)).toMatchObject({ match: false, reason: "length" });
    expect(runtimeCodeMatches(`${artifact}00`, artifact, immutables)).toMatchObject({
      match: false,
      reason: "length",
    });
    expect(runtimeCodeMatches(artifact.slice(0, -2) as Hex, artifact, immutables).match).toBe(false);
  });
});
