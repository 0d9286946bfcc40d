import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import {
  computeDataRoot,
  createChunkTree,
  hashChunk,
  proofLength,
  toHex,
  verifyChunkProof,
} from "./chunkTree.ts";

// An independent, recursive reference of the documented construction.
const sha = (...p: Buffer[]) => createHash("sha256").update(Buffer.concat(p)).digest();
function referenceRoot(chunks: Buffer[]): string {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  let level: Buffer[] = chunks.map((c, i) => sha(Buffer.from([0]), u32(i), sha(c)));
  while (level.length > 1) {
    const next: Buffer[] = [] as Buffer[];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha(Buffer.from([1]), level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return `0x${sha(Buffer.from([2]), u32(chunks.length), level[0]!).toString("hex")}`;
}

/** Seeded, so a failing input comes back on every run (mulberry32). */
const random = mulberry32(63);
const randomBytes = (n: number) =>
  Buffer.from(Uint8Array.from({ length: n }, () => Math.floor(random() * 256)));

describe("chunk Merkle tree", () => {
  it("matches fixed test vectors", () => {
    const enc = new TextEncoder();
    expect(computeDataRoot([enc.encode("hello")])).toBe(referenceRoot([Buffer.from("hello")]));
    // Frozen vectors: if these change, every committed dataRoot on every chain changes with them.
    expect(computeDataRoot([enc.encode("hello")])).toBe(
      "0x46b6a61060ac5737a1af26b18ffef14a7d19ff949d01596d33391867856d84c8",
    );
    expect(computeDataRoot(["a", "b", "c"].map((s) => enc.encode(s)))).toBe(
      "0xefaeb82ce0146d0b444cb0f375d2018caa4dcf8b9f3ac30eb5b1f0512f111d19",
    );
  });

  it("equals the reference and verifies every proof for 1..40 chunks", () => {
    for (let n = 1; n <= 40; n++) {
      const chunks = Array.from({ length: n }, () => randomBytes(1 + Math.floor(random() * 64)));
      const tree = createChunkTree(chunks.map(hashChunk));
      expect(tree.dataRoot).toBe(referenceRoot(chunks));
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        expect(proof.length).toBe(proofLength(i, n));
        const args = { dataRoot: tree.dataRoot, index: i, count: n, chunkHash: hashChunk(chunks[i]!), proof };
        expect(verifyChunkProof(args)).toBe(true);
        // Wrong index, wrong count, wrong bytes, truncated or padded proofs all fail.
        if (n > 1) expect(verifyChunkProof({ ...args, index: (i + 1) % n })).toBe(false);
        expect(verifyChunkProof({ ...args, count: n + 1 })).toBe(false);
        expect(verifyChunkProof({ ...args, chunkHash: hashChunk(randomBytes(8)) })).toBe(false);
        expect(verifyChunkProof({ ...args, proof: [...proof, toHex(randomBytes(32))] })).toBe(false);
        if (proof.length > 0) expect(verifyChunkProof({ ...args, proof: proof.slice(1) })).toBe(false);
      }
    }
  });

  it("rejects hostile proof input without throwing", () => {
    const tree = createChunkTree([hashChunk(Buffer.from("a")), hashChunk(Buffer.from("b"))]);
    const base = { dataRoot: tree.dataRoot, index: 0, count: 2, chunkHash: hashChunk(Buffer.from("a")) };
    expect(verifyChunkProof({ ...base, proof: ["0x1234" as `0x${string}`] })).toBe(false);
    expect(verifyChunkProof({ ...base, proof: [new Uint8Array(31)] })).toBe(false);
    expect(verifyChunkProof({ ...base, index: -1, proof: tree.proof(0) })).toBe(false);
    expect(verifyChunkProof({ ...base, index: 0.5, proof: tree.proof(0) })).toBe(false);
    expect(verifyChunkProof({ ...base, count: 0, proof: [] })).toBe(false);
    expect(verifyChunkProof({ ...base, chunkHash: new Uint8Array(5), proof: tree.proof(0) })).toBe(false);
  });

  it("refuses an empty contribution and out-of-range proofs", () => {
    expect(() => createChunkTree([])).toThrow(/between 1 and/);
    const tree = createChunkTree([hashChunk(Buffer.from("x"))]);
    expect(() => tree.proof(1)).toThrow(/out of range/);
  });
});
