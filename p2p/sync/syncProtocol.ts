import { fromHex, type Hash, toHex } from "../../contracts/merkle/chunkTree.ts";

/**
 * Request/response protocols for backfill. Each stream carries one request (one length-prefixed frame) and
 * its response (length-prefixed frames), then both ends close.
 *
 * FETCH  /openledger/chunks/fetch/1
 *   request   dataRoot(32) ‖ u16 n ‖ n × u32 index            (1 ≤ n ≤ MAX_FETCH_INDICES, no index twice)
 *   response  one frame per index, in order: u8 status ‖ payload
 *             status 0 NOT_FOUND, 1 FOUND + chunk message (the gossip encoding, proof included),
 *             2 RATE_LIMITED (last frame: come back later or ask another peer)
 *
 * HAVE   /openledger/chunks/have/1
 *   request   datanetId (u256, 32 bytes)
 *   response  one frame: u32 n ‖ n × (dataRoot(32) ‖ u32 present ‖ u32 count)   (n ≤ maxHaveRoots)
 */
export const FETCH_PROTOCOL = "/openledger/chunks/fetch/1";
export const HAVE_PROTOCOL = "/openledger/chunks/have/1";
export const MAX_FETCH_INDICES = 256;

export const FetchStatus = { NOT_FOUND: 0, FOUND: 1, RATE_LIMITED: 2 } as const;

export type FetchRequest = { dataRoot: Hash; indices: number[] };
export type HaveEntry = { dataRoot: Hash; present: number; count: number };

export function encodeFetchRequest(request: FetchRequest): Uint8Array {
  const out = new Uint8Array(32 + 2 + 4 * request.indices.length);
  const view = new DataView(out.buffer);
  out.set(fromHex(request.dataRoot), 0);
  view.setUint16(32, request.indices.length);
  for (const [i, index] of request.indices.entries()) view.setUint32(34 + 4 * i, index);
  return out;
}

export function decodeFetchRequest(data: Uint8Array): FetchRequest | undefined {
  if (data.length < 34) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = view.getUint16(32);
  if (n === 0 || n > MAX_FETCH_INDICES || data.length !== 34 + 4 * n) return undefined;
  const indices: number[] = [];
  for (let i = 0; i < n; i++) indices.push(view.getUint32(34 + 4 * i));
  // The same index twice asks us to send the same chunk again for nothing (256 × index 0 = 64 MiB for 1 KB).
  if (new Set(indices).size !== n) return undefined;
  return { dataRoot: toHex(data.subarray(0, 32)), indices };
}

export function encodeDatanetId(datanetId: bigint): Uint8Array {
  return fromHex(`0x${datanetId.toString(16).padStart(64, "0")}`);
}

export function decodeDatanetId(data: Uint8Array): bigint | undefined {
  if (data.length !== 32) return undefined;
  return BigInt(toHex(data));
}

export function encodeHaveResponse(entries: readonly HaveEntry[]): Uint8Array {
  const out = new Uint8Array(4 + 40 * entries.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, entries.length);
  entries.forEach((e, i) => {
    const o = 4 + 40 * i;
    out.set(fromHex(e.dataRoot), o);
    view.setUint32(o + 32, e.present);
    view.setUint32(o + 36, e.count);
  });
  return out;
}

export function decodeHaveResponse(data: Uint8Array, maxRoots: number): HaveEntry[] | undefined {
  if (data.length < 4) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = view.getUint32(0);
  if (n > maxRoots || data.length !== 4 + 40 * n) return undefined;
  const out: HaveEntry[] = [];
  for (let i = 0; i < n; i++) {
    const o = 4 + 40 * i;
    out.push({
      dataRoot: toHex(data.subarray(o, o + 32)),
      present: view.getUint32(o + 32),
      count: view.getUint32(o + 36),
    });
  }
  return out;
}
