import { type Hash, hashChunk, toHex, verifyChunkProof } from "../../contracts/merkle/chunkTree.ts";
import { type ChunkDecodeErrorCode, type ChunkMessage, decodeChunkMessage } from "../chunks/chunkMessage.ts";
import type { Commitment } from "../commitments/commitmentSource.ts";
import type { CommitmentLookup } from "../commitments/createCommitmentCache.ts";

/**
 * Typed outcomes of chunk validation, Lodestar style: the action is exactly what gossipsub does with the
 * message (ACCEPT = deliver and forward, IGNORE = drop without blame, REJECT = drop and lower the sender's
 * score), the code says why.
 *
 * | check (in order, cheapest first)                 | outcome                              |
 * |--------------------------------------------------|--------------------------------------|
 * | decodes within size bounds                       | REJECT MALFORMED (+ decode code)     |
 * | datanetId equals the topic's                     | REJECT WRONG_TOPIC                   |
 * | sha256(bytes) = chunkHash                        | REJECT BAD_CHUNK_HASH                |
 * | proof leads from leaf(index, chunkHash) to root  | REJECT BAD_PROOF                     |
 * | root committed on-chain                          | IGNORE ROOT_UNKNOWN (kept pending)   |
 * | commitment lookup did not fail                   | IGNORE COMMITMENT_UNAVAILABLE        |
 * | committed datanet equals the message's           | REJECT DATANET_MISMATCH              |
 * | committed chunk count equals the message's       | REJECT COUNT_MISMATCH                |
 * | chunk within the Datanet's maxChunkBytes         | REJECT CHUNK_TOO_LARGE               |
 * | contribution not Rejected by quorum              | IGNORE CONTRIBUTION_REJECTED         |
 * | otherwise                                        | ACCEPT                               |
 */
export type ChunkRejectCode =
  | "MALFORMED"
  | "WRONG_TOPIC"
  | "BAD_CHUNK_HASH"
  | "BAD_PROOF"
  | "DATANET_MISMATCH"
  | "COUNT_MISMATCH"
  | "CHUNK_TOO_LARGE";
export type ChunkIgnoreCode =
  | "ROOT_UNKNOWN"
  | "COMMITMENT_UNAVAILABLE"
  | "CONTRIBUTION_REJECTED"
  | "PENDING_FULL"
  | "REPLAY";

export type ChunkValidation =
  | { action: "ACCEPT"; message: ChunkMessage; dataRoot: Hash; commitment: Commitment }
  | { action: "IGNORE"; code: ChunkIgnoreCode; message: ChunkMessage; dataRoot: Hash }
  | { action: "REJECT"; code: ChunkRejectCode; reason?: ChunkDecodeErrorCode | string };

export type StructuralCheck =
  | { ok: true; message: ChunkMessage; dataRoot: Hash }
  | { ok: false; result: Extract<ChunkValidation, { action: "REJECT" }> };

/** Checks that need no chain: the message is well-formed and internally consistent. Never throws. */
export function checkChunkStructure(
  data: Uint8Array,
  parameters: { maxChunkBytes: number; datanetId?: bigint },
): StructuralCheck {
  const decoded = decodeChunkMessage(data, parameters.maxChunkBytes);
  if (!decoded.ok)
    return { ok: false, result: { action: "REJECT", code: "MALFORMED", reason: decoded.code } };
  const message = decoded.message;
  if (parameters.datanetId !== undefined && message.datanetId !== parameters.datanetId) {
    return {
      ok: false,
      result: { action: "REJECT", code: "WRONG_TOPIC", reason: `datanet ${message.datanetId}` },
    };
  }
  if (!Buffer.from(hashChunk(message.bytes)).equals(message.chunkHash)) {
    return { ok: false, result: { action: "REJECT", code: "BAD_CHUNK_HASH" } };
  }
  const dataRoot = toHex(message.dataRoot);
  const proofOk = verifyChunkProof({
    dataRoot,
    index: message.index,
    count: message.count,
    chunkHash: message.chunkHash,
    proof: message.proof,
  });
  if (!proofOk) return { ok: false, result: { action: "REJECT", code: "BAD_PROOF" } };
  return { ok: true, message, dataRoot };
}

/** The on-chain half: given a structurally valid message and what the chain says about its root. */
export function checkChunkCommitment(
  message: ChunkMessage,
  dataRoot: Hash,
  lookup: CommitmentLookup,
): ChunkValidation {
  if (!lookup.found) {
    return {
      action: "IGNORE",
      code: lookup.error ? "COMMITMENT_UNAVAILABLE" : "ROOT_UNKNOWN",
      message,
      dataRoot,
    };
  }
  const c = lookup.commitment;
  if (c.datanetId !== message.datanetId) {
    return { action: "REJECT", code: "DATANET_MISMATCH", reason: `committed to datanet ${c.datanetId}` };
  }
  if (c.chunkCount !== message.count) {
    return { action: "REJECT", code: "COUNT_MISMATCH", reason: `committed ${c.chunkCount} chunks` };
  }
  if (c.maxChunkBytes !== undefined && message.bytes.length > c.maxChunkBytes) {
    return { action: "REJECT", code: "CHUNK_TOO_LARGE", reason: `datanet max ${c.maxChunkBytes}` };
  }
  if (c.status === "rejected") return { action: "IGNORE", code: "CONTRIBUTION_REJECTED", message, dataRoot };
  return { action: "ACCEPT", message, dataRoot, commitment: c };
}
