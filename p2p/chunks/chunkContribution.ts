import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { createChunkTree, fromHex, type Hash, hashChunk } from "../../contracts/merkle/chunkTree.ts";
import type { ChunkMessage } from "./chunkMessage.ts";

/** The protocol's default and ceiling for one chunk; a Datanet may set a lower `maxChunkBytes`. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export class ContributionTooLargeError extends NonRetryableUserError {
  override name = "ContributionTooLargeError";
}

export type ChunkContributionParameters = {
  datanetId: bigint;
  bytes: Uint8Array;
  /** Chunk size; must not exceed the Datanet's on-chain `maxChunkBytes`. */
  chunkBytes?: number;
};

export type ChunkedContribution = {
  datanetId: bigint;
  dataRoot: Hash;
  count: number;
  byteSize: number;
  messages: ChunkMessage[];
};

/**
 * Splits a contribution into fixed-size chunks (the last may be shorter) and attaches each chunk's Merkle
 * proof. The result's `dataRoot`, `count` and `byteSize` are exactly what the contributor commits with
 * `DatanetRegistry.contribute`. Chunks are views into `bytes`, not copies.
 */
export function chunkContribution(parameters: ChunkContributionParameters): ChunkedContribution {
  const chunkBytes = parameters.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const { bytes, datanetId } = parameters;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new NonRetryableUserError(`Chunk size must be a positive integer, got ${chunkBytes}.`);
  }
  if (bytes.length === 0) {
    throw new NonRetryableUserError("Cannot chunk an empty contribution.", {
      hint: "A contribution needs at least one byte.",
    });
  }
  const count = Math.ceil(bytes.length / chunkBytes);
  if (count > 0xffff_ffff) {
    throw new ContributionTooLargeError(`Contribution of ${bytes.length} bytes needs ${count} chunks.`, {
      hint: "Split it into several contributions or use a larger chunk size.",
    });
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) chunks.push(bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes));
  const hashes = chunks.map(hashChunk);
  const tree = createChunkTree(hashes);
  const dataRoot = fromHex(tree.dataRoot);
  const messages = chunks.map((chunk, index) => ({
    datanetId,
    dataRoot,
    index,
    count,
    chunkHash: hashes[index]!,
    proof: tree.proof(index).map(fromHex),
    bytes: chunk,
  }));
  return { datanetId, dataRoot: tree.dataRoot, count, byteSize: bytes.length, messages };
}
