import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeDataRoot, toHex, verifyChunkProof } from "../../contracts/merkle/chunkTree.ts";
import { chunkContribution, DEFAULT_CHUNK_BYTES } from "./chunkContribution.ts";

describe("chunkContribution", () => {
  it("splits at 256 KiB by default and commits to the same root as the contracts' tree", () => {
    const bytes = randomBytes(2 * DEFAULT_CHUNK_BYTES + 10);
    const c = chunkContribution({ datanetId: 1n, bytes });
    expect(c.count).toBe(3);
    expect(c.messages.map((m) => m.bytes.length)).toEqual([DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, 10]);
    expect(c.dataRoot).toBe(computeDataRoot(c.messages.map((m) => m.bytes)));
    expect(Buffer.concat(c.messages.map((m) => m.bytes)).equals(bytes)).toBe(true);
    for (const m of c.messages) {
      expect(
        verifyChunkProof({
          dataRoot: c.dataRoot,
          index: m.index,
          count: 3,
          chunkHash: m.chunkHash,
          proof: m.proof,
        }),
      ).toBe(true);
      expect(toHex(m.dataRoot)).toBe(c.dataRoot);
    }
  });

  it("honours a smaller Datanet chunk size and refuses empty input", () => {
    expect(chunkContribution({ datanetId: 1n, bytes: randomBytes(100), chunkBytes: 30 }).count).toBe(4);
    expect(() => chunkContribution({ datanetId: 1n, bytes: new Uint8Array(0) })).toThrow(/empty/);
    expect(() => chunkContribution({ datanetId: 1n, bytes: randomBytes(3), chunkBytes: 0 })).toThrow(
      /positive/,
    );
  });
});
