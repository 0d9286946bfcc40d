import { createHash } from "node:crypto";
import { BaseError } from "../../config/errors/BaseError.ts";

/**
 * The Merkle tree over a contribution's chunks, whose root (`dataRoot`) is what a contributor commits on-chain.
 * Defined once here and used by the contract tests, p2p validation and the worker.
 *
 *   chunkHash = sha256(chunkBytes)
 *   leaf      = sha256(0x00 ‖ uint32be(index) ‖ chunkHash)   position is bound into the leaf
 *   node      = sha256(0x01 ‖ left ‖ right)                  domain-separated from leaves
 *   odd node  = promoted unchanged to the next level          (never duplicated: no CVE-2012-2459 mutation)
 *   dataRoot  = sha256(0x02 ‖ uint32be(count) ‖ treeRoot)     the chunk count is bound into the root
 *
 * SHA-256 rather than keccak: chunks are hashed at gossip line rate and node:crypto's SHA-256 runs at GB/s,
 * while keccak in JavaScript runs near 50 MB/s. Solidity can still check a proof with the sha256 precompile.
 */
export type Hash = `0x${string}`;

export const MAX_CHUNK_COUNT = 0xffff_ffff;

export class MerkleTreeError extends BaseError {
  override name = "MerkleTreeError";
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const ROOT = Uint8Array.of(2);

export function toHex(bytes: Uint8Array): Hash {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    throw new MerkleTreeError(`Not a 32-byte hash: ${JSON.stringify(hex).slice(0, 80)}`, {
      hint: "Pass a 0x-prefixed string of 64 hex digits.",
    });
  }
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}

export function hashChunk(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

export function hashLeaf(index: number, chunkHash: Uint8Array): Uint8Array {
  return sha256(LEAF, u32(index), chunkHash);
}

function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

function hashRoot(count: number, treeRoot: Uint8Array): Uint8Array {
  return sha256(ROOT, u32(count), treeRoot);
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CHUNK_COUNT) {
    throw new MerkleTreeError(
      `A contribution must have between 1 and ${MAX_CHUNK_COUNT} chunks, got ${count}.`,
    );
  }
}

/** All levels of the tree, leaves first. Level i+1 has ceil(len/2) nodes. */
function buildLevels(chunkHashes: readonly Uint8Array[]): Uint8Array[][] {
  checkCount(chunkHashes.length);
  const levels: Uint8Array[][] = [chunkHashes.map((h, i) => hashLeaf(i, h))];
  let level = levels[0]!;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? hashNode(level[i]!, level[i + 1]!) : level[i]!);
    }
    levels.push(next);
    level = next;
  }
  return levels;
}

export type ChunkTree = {
  dataRoot: Hash;
  count: number;
  chunkHashes: Hash[];
  /** Sibling hashes from the leaf up; levels where the node was promoted have no sibling and add nothing. */
  proof(index: number): Hash[];
};

export function createChunkTree(chunkHashes: readonly Uint8Array[]): ChunkTree {
  const levels = buildLevels(chunkHashes);
  const count = chunkHashes.length;
  const treeRoot = levels[levels.length - 1]![0]!;
  return {
    dataRoot: toHex(hashRoot(count, treeRoot)),
    count,
    chunkHashes: chunkHashes.map(toHex),
    proof(index) {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new MerkleTreeError(`Chunk index ${index} is out of range for ${count} chunks.`);
      }
      const proof: Hash[] = [];
      let i = index;
      for (let l = 0; l < levels.length - 1; l++) {
        const level = levels[l]!;
        const sibling = i ^ 1;
        if (sibling < level.length) proof.push(toHex(level[sibling]!));
        i >>= 1;
      }
      return proof;
    },
  };
}

/** Root of a whole contribution given its chunks' bytes. */
export function computeDataRoot(chunks: readonly Uint8Array[]): Hash {
  return createChunkTree(chunks.map(hashChunk)).dataRoot;
}

export type VerifyChunkProofParameters = {
  dataRoot: Hash;
  index: number;
  count: number;
  chunkHash: Uint8Array;
  proof: readonly (Hash | Uint8Array)[];
};

/**
 * True when `chunkHash` sits at `index` of a `count`-chunk tree whose root is `dataRoot`. Never throws on
 * hostile input: a malformed proof is simply false.
 */
export function verifyChunkProof({
  dataRoot,
  index,
  count,
  chunkHash,
  proof,
}: VerifyChunkProofParameters): boolean {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CHUNK_COUNT) return false;
  if (!Number.isInteger(index) || index < 0 || index >= count) return false;
  if (chunkHash.length !== 32) return false;
  let node = hashLeaf(index, chunkHash);
  let i = index;
  let width = count;
  let used = 0;
  while (width > 1) {
    const sibling = i ^ 1;
    if (sibling < width) {
      const raw = proof[used++];
      if (raw === undefined) return false;
      let s: Uint8Array;
      if (typeof raw === "string") {
        if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) return false;
        s = fromHex(raw);
      } else {
        if (raw.length !== 32) return false;
        s = raw;
      }
      node = i & 1 ? hashNode(s, node) : hashNode(node, s);
    }
    i >>= 1;
    width = Math.ceil(width / 2);
  }
  if (used !== proof.length) return false;
  return toHex(hashRoot(count, node)) === dataRoot.toLowerCase();
}

/** Number of sibling hashes a proof for `index` of `count` has: a bound decoders can enforce. */
export function proofLength(index: number, count: number): number {
  let n = 0;
  let i = index;
  let width = count;
  while (width > 1) {
    if ((i ^ 1) < width) n++;
    i >>= 1;
    width = Math.ceil(width / 2);
  }
  return n;
}
