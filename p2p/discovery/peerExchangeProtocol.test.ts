import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import {
  decodePeerExchangeRequest,
  decodePeerExchangeResponse,
  type ExchangedPeer,
  encodePeerExchangeRequest,
  encodePeerExchangeResponse,
  MAX_EXCHANGE_PEERS,
  MAX_EXCHANGE_RESPONSE_BYTES,
  MAX_FIELD_BYTES,
  MAX_PEER_ADDRESSES,
} from "./peerExchangeProtocol.ts";

const ids = await Promise.all(
  Array.from({ length: 20 }, async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString()),
);
/** Seeded, so a failing input comes back on every run (mulberry32). */
const random = mulberry32(62);
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
const randomInt = (n: number) => Math.floor(random() * n);
const randomAddress = () =>
  [
    `/ip4/${randomInt(256)}.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}/tcp/${randomInt(65536)}`,
    `/ip6/2001:db8::${randomInt(65536).toString(16)}/tcp/${randomInt(65536)}`,
    `/dns4/node${randomInt(1000)}.example.org/tcp/9100`,
  ][randomInt(3)]!;
const randomPeers = (n: number): ExchangedPeer[] =>
  Array.from({ length: n }, (_, i) => ({
    peerId: ids[i % ids.length]!,
    addresses: Array.from({ length: 1 + randomInt(MAX_PEER_ADDRESSES) }, randomAddress),
  }));

describe("peer exchange codec", () => {
  it("round-trips random legal responses, and bounds what it encodes", () => {
    for (let round = 0; round < 200; round++) {
      const peers = randomPeers(randomInt(MAX_EXCHANGE_PEERS + 1));
      const encoded = encodePeerExchangeResponse(peers);
      expect(encoded.length).toBeLessThanOrEqual(MAX_EXCHANGE_RESPONSE_BYTES);
      expect(decodePeerExchangeResponse(encoded)).toEqual({ ok: true, peers });
    }
    // Too many peers, addresses, or fields too long are left out rather than sent.
    const big = randomPeers(MAX_EXCHANGE_PEERS + 5).map((p) => ({
      ...p,
      addresses: [
        ...p.addresses,
        ...Array.from({ length: 6 }, randomAddress),
        `/dns4/${"a".repeat(200)}/tcp/1`,
      ],
    }));
    const decoded = decodePeerExchangeResponse(encodePeerExchangeResponse(big));
    expect(decoded.ok && decoded.peers.length).toBe(MAX_EXCHANGE_PEERS);
    if (decoded.ok)
      for (const p of decoded.peers) expect(p.addresses.length).toBeLessThanOrEqual(MAX_PEER_ADDRESSES);
  });

  it("names what is wrong with malformed responses and never throws on random bytes", () => {
    const good = encodePeerExchangeResponse(randomPeers(3));
    const code = (data: Uint8Array, wanted?: number) => {
      const d = decodePeerExchangeResponse(data, wanted);
      return d.ok ? "ok" : d.code;
    };
    expect(code(new Uint8Array())).toBe("EMPTY");
    expect(code(Uint8Array.of(MAX_EXCHANGE_PEERS + 1))).toBe("TOO_MANY_PEERS");
    expect(code(good, 2)).toBe("TOO_MANY_PEERS");
    expect(code(good.subarray(0, good.length - 1))).toBe("TRUNCATED");
    expect(code(Uint8Array.of(...good, 0))).toBe("TRAILING_BYTES");
    const id = new TextEncoder().encode("not-a-peer-id");
    expect(code(Uint8Array.of(1, id.length, ...id, 1, 1, 0x2f))).toBe("BAD_PEER_ID");
    const real = new TextEncoder().encode(ids[0]!);
    expect(code(Uint8Array.of(1, real.length, ...real, 0))).toBe("BAD_ADDRESS_COUNT");
    expect(code(Uint8Array.of(1, real.length, ...real, MAX_PEER_ADDRESSES + 1))).toBe("BAD_ADDRESS_COUNT");
    const junk = new TextEncoder().encode("/ip4/999.1.1.1/tcp/1");
    expect(code(Uint8Array.of(1, real.length, ...real, 1, junk.length, ...junk))).toBe("BAD_ADDRESS");
    expect(code(Uint8Array.of(1, real.length, ...real, 1, MAX_FIELD_BYTES + 1))).toBe("BAD_ADDRESS");
    expect(code(Uint8Array.of(1, real.length, ...real, 1, 3, 0x2f, 0x00, 0x31))).toBe("BAD_ADDRESS");
    for (let round = 0; round < 2000; round++) {
      const bytes = randomBytes(randomInt(300));
      if (round % 2 === 0) bytes[0] = randomInt(4);
      expect(() => decodePeerExchangeResponse(bytes)).not.toThrow();
    }
    // Random single-byte corruptions of a legal response decode to a legal response or a typed failure.
    for (let round = 0; round < 500; round++) {
      const copy = Uint8Array.from(good);
      copy[randomInt(copy.length)] = randomInt(256);
      const d = decodePeerExchangeResponse(copy);
      if (d.ok) for (const p of d.peers) expect(p.addresses.length).toBeGreaterThan(0);
    }
  });

  it("accepts requests for 1..16 peers and nothing else", () => {
    for (let n = 1; n <= MAX_EXCHANGE_PEERS; n++)
      expect(decodePeerExchangeRequest(encodePeerExchangeRequest(n))).toBe(n);
    expect(decodePeerExchangeRequest(Uint8Array.of(0))).toBeUndefined();
    expect(decodePeerExchangeRequest(Uint8Array.of(MAX_EXCHANGE_PEERS + 1))).toBeUndefined();
    expect(decodePeerExchangeRequest(Uint8Array.of(1, 1))).toBeUndefined();
    expect(decodePeerExchangeRequest(new Uint8Array())).toBeUndefined();
  });
});
