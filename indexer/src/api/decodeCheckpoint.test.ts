import { describe, expect, it } from "vitest";
import { CheckpointFormatError, decodeCheckpoint } from "./decodeCheckpoint.ts";

// Ponder's own encoder, so a Ponder upgrade that changes the format fails here first.
const { encodeCheckpoint } = (await import(
  new URL("utils/checkpoint.js", import.meta.resolve("ponder")).href
)) as { encodeCheckpoint(c: Record<string, unknown>): string };

describe("decodeCheckpoint", () => {
  it("reads back what Ponder encodes", () => {
    for (const c of [
      {
        blockTimestamp: 0n,
        chainId: 1n,
        blockNumber: 0n,
        transactionIndex: 0n,
        eventType: 0,
        eventIndex: 0n,
      },
      {
        blockTimestamp: 1_764_000_000n,
        chainId: 161_201n,
        blockNumber: 123_456_789n,
        transactionIndex: 9_999_999_999_999_999n,
        eventType: 5,
        eventIndex: 42n,
      },
    ]) {
      expect(decodeCheckpoint(encodeCheckpoint(c))).toEqual(c);
    }
  });

  it("refuses anything else, naming the file to update", () => {
    for (const bad of ["", "123", "x".repeat(75), `${"1".repeat(74)}-`, "1".repeat(76)]) {
      expect(() => decodeCheckpoint(bad)).toThrow(CheckpointFormatError);
    }
    expect(() => decodeCheckpoint("12")).toThrow(/decodeCheckpoint\.ts/);
  });
});
