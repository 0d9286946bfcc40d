import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";

/**
 * Peer exchange: how a node that knows one bootstrap peer finds the rest of the network. One request and one
 * response per stream, then both ends close.
 *
 * PEERS  /openledger/peers/1
 *   request   u8 wanted                                                   (1 ≤ wanted ≤ MAX_EXCHANGE_PEERS)
 *   response  u8 n ‖ n × (u8 len ‖ peerId (base58, ASCII) ‖ u8 m ‖ m × (u8 len ‖ multiaddr string))
 *             n ≤ wanted, 1 ≤ m ≤ MAX_PEER_ADDRESSES, each string ≤ MAX_FIELD_BYTES, nothing after the last
 */
export const PEER_EXCHANGE_PROTOCOL = "/openledger/peers/1";
export const MAX_EXCHANGE_PEERS = 16;
export const MAX_PEER_ADDRESSES = 4;
export const MAX_FIELD_BYTES = 128;
/** The largest response the codec can produce: a reader refuses a longer frame before decoding it. */
export const MAX_EXCHANGE_RESPONSE_BYTES =
  1 + MAX_EXCHANGE_PEERS * (2 + MAX_FIELD_BYTES + MAX_PEER_ADDRESSES * (1 + MAX_FIELD_BYTES));

export type ExchangedPeer = { peerId: string; addresses: string[] };

export type PeerExchangeDecodeError =
  | "EMPTY"
  | "TOO_MANY_PEERS"
  | "TRUNCATED"
  | "BAD_PEER_ID"
  | "BAD_ADDRESS_COUNT"
  | "BAD_ADDRESS"
  | "TRAILING_BYTES";

export type DecodedPeerExchange =
  | { ok: true; peers: ExchangedPeer[] }
  | { ok: false; code: PeerExchangeDecodeError };

export function encodePeerExchangeRequest(wanted: number): Uint8Array {
  return Uint8Array.of(Math.max(1, Math.min(MAX_EXCHANGE_PEERS, Math.floor(wanted))));
}

/** The number of peers asked for, or undefined when the request is not one. */
export function decodePeerExchangeRequest(data: Uint8Array): number | undefined {
  if (data.length !== 1 || data[0]! < 1 || data[0]! > MAX_EXCHANGE_PEERS) return undefined;
  return data[0];
}

const utf8 = new TextEncoder();
const ascii = new TextDecoder();

/**
 * Encodes what fits the wire's bounds: peers past MAX_EXCHANGE_PEERS, addresses past MAX_PEER_ADDRESSES and
 * fields longer than MAX_FIELD_BYTES are left out (a peer left with no address is left out too).
 */
export function encodePeerExchangeResponse(peers: readonly ExchangedPeer[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let count = 0;
  for (const peer of peers) {
    if (count === MAX_EXCHANGE_PEERS) break;
    const id = utf8.encode(peer.peerId);
    const addresses = peer.addresses
      .map((a) => utf8.encode(a))
      .filter((a) => a.length > 0 && a.length <= MAX_FIELD_BYTES)
      .slice(0, MAX_PEER_ADDRESSES);
    if (id.length === 0 || id.length > MAX_FIELD_BYTES || addresses.length === 0) continue;
    parts.push(Uint8Array.of(id.length), id, Uint8Array.of(addresses.length));
    for (const a of addresses) parts.push(Uint8Array.of(a.length), a);
    count++;
  }
  const out = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0));
  out[0] = count;
  let offset = 1;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Decodes and checks a response: every peer id parses, every address is a multiaddr. Never throws. */
export function decodePeerExchangeResponse(
  data: Uint8Array,
  wanted = MAX_EXCHANGE_PEERS,
): DecodedPeerExchange {
  if (data.length === 0) return { ok: false, code: "EMPTY" };
  const count = data[0]!;
  if (count > Math.min(wanted, MAX_EXCHANGE_PEERS)) return { ok: false, code: "TOO_MANY_PEERS" };
  let offset = 1;
  /** A length-prefixed ASCII field: its text, or why it is not one. */
  const field = (): string | { bad: "TRUNCATED" | "BAD" } => {
    const length = data[offset];
    if (length === undefined) return { bad: "TRUNCATED" };
    if (length === 0 || length > MAX_FIELD_BYTES) return { bad: "BAD" };
    if (offset + 1 + length > data.length) return { bad: "TRUNCATED" };
    const bytes = data.subarray(offset + 1, offset + 1 + length);
    offset += 1 + length;
    if (bytes.some((b) => b < 0x21 || b > 0x7e)) return { bad: "BAD" };
    return ascii.decode(bytes);
  };
  const peers: ExchangedPeer[] = [];
  for (let i = 0; i < count; i++) {
    const peerId = field();
    if (typeof peerId !== "string")
      return { ok: false, code: peerId.bad === "BAD" ? "BAD_PEER_ID" : "TRUNCATED" };
    try {
      if (peerIdFromString(peerId).toString() !== peerId) return { ok: false, code: "BAD_PEER_ID" };
    } catch {
      return { ok: false, code: "BAD_PEER_ID" };
    }
    const m = data[offset++];
    if (m === undefined) return { ok: false, code: "TRUNCATED" };
    if (m === 0 || m > MAX_PEER_ADDRESSES) return { ok: false, code: "BAD_ADDRESS_COUNT" };
    const addresses: string[] = [];
    for (let k = 0; k < m; k++) {
      const address = field();
      if (typeof address !== "string")
        return { ok: false, code: address.bad === "BAD" ? "BAD_ADDRESS" : "TRUNCATED" };
      try {
        multiaddr(address);
      } catch {
        return { ok: false, code: "BAD_ADDRESS" };
      }
      addresses.push(address);
    }
    peers.push({ peerId, addresses });
  }
  if (offset !== data.length) return { ok: false, code: "TRAILING_BYTES" };
  return { ok: true, peers };
}
