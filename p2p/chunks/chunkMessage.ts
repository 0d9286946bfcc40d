import { type Hash, proofLength, toHex } from "../../contracts/merkle/chunkTree.ts";

/**
 * The chunk message: what travels on a Datanet's gossip topic and in sync responses. Big-endian, fixed
 * header, so a decoder can bound every length before it allocates anything:
 *
 *   u8    version        = 1
 *   u256  datanetId      (32 bytes, as on-chain)
 *   b32   dataRoot
 *   u32   index
 *   u32   count
 *   b32   chunkHash      sha256(bytes): lets a receiver tell "wrong bytes" from "wrong proof"
 *   u8    proofLength    must equal proofLength(index, count) (≤ 32)
 *   b32*  proof
 *   u32   byteLength
 *   bytes
 *
 * The encoding is canonical (one byte string per chunk), so the message's hash can be its gossip id.
 */
export const CHUNK_MESSAGE_VERSION = 1;
export const CHUNK_HEADER_BYTES = 1 + 32 + 32 + 4 + 4 + 32 + 1;
/** Highest index+1 the format allows; a proof for 2^32 leaves is 32 hashes long. */
export const MAX_PROOF_HASHES = 32;
const UINT256_MAX = (1n << 256n) - 1n;

export type ChunkMessage = {
  datanetId: bigint;
  dataRoot: Uint8Array;
  index: number;
  count: number;
  chunkHash: Uint8Array;
  proof: Uint8Array[];
  bytes: Uint8Array;
};

export type ChunkDecodeErrorCode =
  | "TOO_SHORT"
  | "TOO_LARGE"
  | "UNKNOWN_VERSION"
  | "BAD_COUNT"
  | "INDEX_OUT_OF_RANGE"
  | "BAD_PROOF_LENGTH"
  | "BAD_BYTE_LENGTH"
  | "LENGTH_MISMATCH";

export type ChunkDecodeResult =
  | { ok: true; message: ChunkMessage }
  | { ok: false; code: ChunkDecodeErrorCode; detail: string };

/**
 * The dataRoot a message claims, read from its fixed header without decoding or verifying anything (the
 * gossip gate charges work per root before validation). Undefined when the bytes are too short or of another
 * version; the full decoder still decides whether the message is well-formed.
 */
export function peekChunkRoot(data: Uint8Array): Hash | undefined {
  if (data.length < CHUNK_HEADER_BYTES || data[0] !== CHUNK_MESSAGE_VERSION) return undefined;
  return toHex(data.subarray(33, 65));
}

export function encodedChunkMessageLength(proofHashes: number, byteLength: number): number {
  return CHUNK_HEADER_BYTES + proofHashes * 32 + 4 + byteLength;
}

export function encodeChunkMessage(message: ChunkMessage): Uint8Array {
  if (message.datanetId < 0n || message.datanetId > UINT256_MAX)
    throw new RangeError("datanetId is not a uint256");
  if (message.dataRoot.length !== 32 || message.chunkHash.length !== 32)
    throw new RangeError("hash is not 32 bytes");
  if (message.proof.length > MAX_PROOF_HASHES) throw new RangeError("proof too long");
  const out = new Uint8Array(encodedChunkMessageLength(message.proof.length, message.bytes.length));
  const view = new DataView(out.buffer);
  let o = 0;
  out[o++] = CHUNK_MESSAGE_VERSION;
  let id = message.datanetId;
  for (let i = 31; i >= 0; i--) {
    out[o + i] = Number(id & 0xffn);
    id >>= 8n;
  }
  o += 32;
  out.set(message.dataRoot, o);
  o += 32;
  view.setUint32(o, message.index);
  o += 4;
  view.setUint32(o, message.count);
  o += 4;
  out.set(message.chunkHash, o);
  o += 32;
  out[o++] = message.proof.length;
  for (const p of message.proof) {
    if (p.length !== 32) throw new RangeError("proof hash is not 32 bytes");
    out.set(p, o);
    o += 32;
  }
  view.setUint32(o, message.bytes.length);
  o += 4;
  out.set(message.bytes, o);
  return out;
}

/**
 * Decodes without trusting a single length field: total size is checked against `maxChunkBytes` first,
 * every inner length against what is left. Returns a typed failure instead of throwing, so a gossip
 * validator or a stream handler can turn it straight into REJECT. Slices are views into `data`.
 */
export function decodeChunkMessage(data: Uint8Array, maxChunkBytes: number): ChunkDecodeResult {
  const fail = (code: ChunkDecodeErrorCode, detail: string): ChunkDecodeResult => ({
    ok: false,
    code,
    detail,
  });
  if (data.length < CHUNK_HEADER_BYTES + 4) return fail("TOO_SHORT", `${data.length} bytes`);
  if (data.length > encodedChunkMessageLength(MAX_PROOF_HASHES, maxChunkBytes)) {
    return fail("TOO_LARGE", `${data.length} bytes`);
  }
  if (data[0] !== CHUNK_MESSAGE_VERSION) return fail("UNKNOWN_VERSION", `version ${data[0]}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let o = 1;
  let datanetId = 0n;
  for (let i = 0; i < 32; i++) datanetId = (datanetId << 8n) | BigInt(data[o + i]!);
  o += 32;
  const dataRoot = data.subarray(o, o + 32);
  o += 32;
  const index = view.getUint32(o);
  o += 4;
  const count = view.getUint32(o);
  o += 4;
  if (count === 0) return fail("BAD_COUNT", "count is 0");
  if (index >= count) return fail("INDEX_OUT_OF_RANGE", `index ${index} of ${count}`);
  const chunkHash = data.subarray(o, o + 32);
  o += 32;
  const proofHashes = data[o++]!;
  if (proofHashes !== proofLength(index, count)) {
    return fail("BAD_PROOF_LENGTH", `${proofHashes} hashes, expected ${proofLength(index, count)}`);
  }
  if (data.length < o + proofHashes * 32 + 4) return fail("TOO_SHORT", "truncated proof");
  const proof: Uint8Array[] = [];
  for (let i = 0; i < proofHashes; i++) {
    proof.push(data.subarray(o, o + 32));
    o += 32;
  }
  const byteLength = view.getUint32(o);
  o += 4;
  if (byteLength === 0 || byteLength > maxChunkBytes) {
    return fail("BAD_BYTE_LENGTH", `${byteLength} bytes, limit ${maxChunkBytes}`);
  }
  if (data.length !== o + byteLength) {
    return fail("LENGTH_MISMATCH", `declared ${byteLength} bytes of data, ${data.length - o} present`);
  }
  return {
    ok: true,
    message: { datanetId, dataRoot, index, count, chunkHash, proof, bytes: data.subarray(o) },
  };
}

/**
 * A copy that owns its memory. Decoded messages are views into a network buffer (and a Buffer's `.slice()`
 * is a view too), so anything kept past the handler — pending set, store queue — is copied first.
 */
export function copyChunkMessage(m: ChunkMessage): ChunkMessage {
  return {
    ...m,
    dataRoot: new Uint8Array(m.dataRoot),
    chunkHash: new Uint8Array(m.chunkHash),
    proof: m.proof.map((p) => new Uint8Array(p)),
    bytes: new Uint8Array(m.bytes),
  };
}
