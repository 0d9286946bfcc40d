import type { Connection, PeerId, Stream } from "@libp2p/interface";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import type { Common } from "../../config/common/createCommon.ts";
import type { P2PHost } from "../host/createP2PHost.ts";
import type { P2POptions } from "../options.ts";
import { createRateLimiter } from "../sync/createRateLimiter.ts";
import { readFrames, writeFrame } from "../sync/streamFrames.ts";
import {
  decodePeerExchangeRequest,
  decodePeerExchangeResponse,
  type ExchangedPeer,
  encodePeerExchangeRequest,
  encodePeerExchangeResponse,
  MAX_EXCHANGE_PEERS,
  MAX_EXCHANGE_RESPONSE_BYTES,
  MAX_PEER_ADDRESSES,
  PEER_EXCHANGE_PROTOCOL,
} from "./peerExchangeProtocol.ts";

export type PeerExchange = {
  /** One round now: while below `targetPeers`, ask two peers for theirs and dial some new ones. */
  exchange(): Promise<void>;
  /** Peers learnt (from the bootstrap list, peer exchange and past connections) and not given up on. */
  knownPeers(): string[];
  stop(): Promise<void>;
};

const REQUEST_TIMEOUT_MS = 10_000;
const DIAL_TIMEOUT_MS = 10_000;
/** Peers remembered for re-dialling; the oldest are forgotten first (a peer can hand us 16 per request). */
const MAX_KNOWN_PEERS = 512;
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 10 * 60_000;

type Known = { addresses: string[]; failures: number; retryAt: number };

const isLoopback = (address: Multiaddr) => {
  const [first] = address.getComponents();
  return (
    (first?.name === "ip4" && first.value?.startsWith("127.") === true) ||
    (first?.name === "ip6" && first.value === "::1")
  );
};
const peerIdOf = (address: Multiaddr) => address.getComponents().find((c) => c.name === "p2p")?.value;
const isUnspecified = (address: Multiaddr) => {
  const [first] = address.getComponents();
  return first?.value === "0.0.0.0" || first?.value === "::";
};

/**
 * Finds the network from the bootstrap list: peers answer `/openledger/peers/1` with a sample of the peers they
 * are connected to (their identify-reported listen addresses), and a node below `targetPeers` dials a few of
 * them each round, on connect and every `peerExchangeIntervalMs`. It also re-dials peers it knew whose
 * connection dropped (a healed partition), with exponential backoff per peer. Everything is bounded: one
 * request per peer per 10 s served, `maxDialsPerExchange` dials per round, MAX_KNOWN_PEERS remembered.
 * Loopback and unspecified addresses are never handed to, nor dialled for, a peer that is not on loopback.
 */
export async function createPeerExchange(
  common: Common,
  parameters: {
    host: P2PHost;
    isBanned(peerId: string): boolean;
    options: Pick<P2POptions, "bootstrap" | "targetPeers" | "peerExchangeIntervalMs" | "maxDialsPerExchange">;
  },
): Promise<PeerExchange> {
  const { host, isBanned, options } = parameters;
  const log = common.logger.child({ module: "p2p.discovery" });
  const exchanges = common.metrics.counter("p2p_peer_exchange_total", "Peer exchange requests by outcome", [
    "role",
    "outcome",
  ]);
  const dials = common.metrics.counter("p2p_discovery_dials_total", "Dials of discovered peers by outcome", [
    "outcome",
  ]);
  const limiter = createRateLimiter({ ratePerSecond: 0.1, burst: 3 });
  const self = host.peerId.toString();
  const known = new Map<string, Known>();

  const learn = (peer: ExchangedPeer) => {
    if (peer.peerId === self) return;
    const entry = known.get(peer.peerId);
    if (entry) {
      entry.addresses = [...new Set([...peer.addresses, ...entry.addresses])].slice(0, MAX_PEER_ADDRESSES);
      return;
    }
    if (known.size >= MAX_KNOWN_PEERS) known.delete(known.keys().next().value!);
    known.set(peer.peerId, {
      addresses: peer.addresses.slice(0, MAX_PEER_ADDRESSES),
      failures: 0,
      retryAt: 0,
    });
  };
  for (const address of options.bootstrap) {
    const peerId = peerIdOf(multiaddr(address));
    if (peerId) learn({ peerId, addresses: [address] });
  }

  /** What we tell others about a peer: its listen addresses, usable from where the asker sits. */
  async function addressesOf(peer: PeerId, askerOnLoopback: boolean): Promise<string[]> {
    try {
      const stored = await host.peerStore.get(peer);
      return stored.addresses
        .map((a) => a.multiaddr)
        .filter((a) => !isUnspecified(a) && (askerOnLoopback || !isLoopback(a)))
        .filter((a) => a.getComponents().some((c) => c.name === "tcp"))
        .map((a) => a.toString())
        .slice(0, MAX_PEER_ADDRESSES);
    } catch {
      return [];
    }
  }

  async function serve(stream: Stream, connection: Connection) {
    const asker = connection.remotePeer.toString();
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const abort = () => stream.abort(new Error("peer exchange request timed out"));
    signal.addEventListener("abort", abort, { once: true });
    try {
      const first = await readFrames(stream, 1).next();
      const wanted = first.done ? undefined : decodePeerExchangeRequest(first.value);
      if (wanted === undefined || !limiter.take(asker, 1)) {
        exchanges.inc({ role: "server", outcome: wanted === undefined ? "malformed" : "rate_limited" });
        stream.abort(new Error("malformed or rate-limited peer exchange request"));
        return;
      }
      const askerOnLoopback = isLoopback(connection.remoteAddr);
      const candidates = shuffle(
        host.getPeers().filter((p) => p.toString() !== asker && !isBanned(p.toString())),
      ).slice(0, wanted);
      const peers: ExchangedPeer[] = [];
      for (const peer of candidates) {
        const addresses = await addressesOf(peer, askerOnLoopback);
        if (addresses.length > 0) peers.push({ peerId: peer.toString(), addresses });
      }
      await writeFrame(stream, encodePeerExchangeResponse(peers), { signal });
      await stream.close({ signal });
      exchanges.inc({ role: "server", outcome: "ok" });
    } catch (error) {
      exchanges.inc({ role: "server", outcome: "error" });
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    } finally {
      signal.removeEventListener("abort", abort);
    }
  }

  async function ask(peer: PeerId): Promise<ExchangedPeer[]> {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      const stream = await host.dialProtocol(peer, PEER_EXCHANGE_PROTOCOL, { signal });
      const abort = () => stream.abort(new Error("peer exchange response timed out"));
      signal.addEventListener("abort", abort, { once: true });
      try {
        await writeFrame(stream, encodePeerExchangeRequest(MAX_EXCHANGE_PEERS), { signal });
        const first = await readFrames(stream, MAX_EXCHANGE_RESPONSE_BYTES).next();
        await stream.close({ signal }).catch(() => undefined);
        const decoded = first.done
          ? ({ ok: false, code: "EMPTY" } as const)
          : decodePeerExchangeResponse(first.value);
        if (!decoded.ok) {
          exchanges.inc({ role: "client", outcome: decoded.code });
          log.debug({
            msg: "Peer sent a malformed peer exchange response",
            peer: peer.toString(),
            code: decoded.code,
          });
          return [];
        }
        exchanges.inc({ role: "client", outcome: "ok" });
        // A peer on the Internet must not make us dial our own loopback (or anything on it).
        const remoteOnLoopback = host.getConnections(peer).some((c) => isLoopback(c.remoteAddr));
        return decoded.peers
          .map((p) => ({
            peerId: p.peerId,
            addresses: p.addresses.filter((a) => {
              const m = multiaddr(a);
              return !isUnspecified(m) && (remoteOnLoopback || !isLoopback(m));
            }),
          }))
          .filter((p) => p.addresses.length > 0);
      } finally {
        signal.removeEventListener("abort", abort);
      }
    } catch (error) {
      // Peers that do not speak the protocol (or are gone) simply have nothing to tell.
      exchanges.inc({ role: "client", outcome: "error" });
      log.debug({ msg: "Peer exchange request failed", peer: peer.toString(), error });
      return [];
    }
  }

  async function dial(peerId: string, entry: Known): Promise<void> {
    try {
      const addresses = entry.addresses.map((a) => {
        const m = multiaddr(a);
        return peerIdOf(m) ? m : m.encapsulate(`/p2p/${peerId}`);
      });
      await host.dial(addresses, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
      entry.failures = 0;
      dials.inc({ outcome: "connected" });
    } catch (error) {
      entry.failures++;
      entry.retryAt = Date.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (entry.failures - 1));
      dials.inc({ outcome: "failed" });
      log.debug({ msg: "Dialling a discovered peer failed", peer: peerId, error });
    }
  }

  let running: Promise<void> | undefined;
  let stopped = false;
  async function round(): Promise<void> {
    const connected = host.getPeers();
    // Peers we are connected to are worth remembering: their connection may drop (a partition) and heal.
    for (const peer of connected) {
      const address = host.getConnections(peer).find((c) => c.direction === "outbound")?.remoteAddr;
      if (address) learn({ peerId: peer.toString(), addresses: [address.toString()] });
    }
    if (stopped || connected.length >= options.targetPeers) return;
    for (const peer of shuffle(connected).slice(0, 2)) for (const p of await ask(peer)) learn(p);
    const connectedIds = new Set(host.getPeers().map(String));
    const now = Date.now();
    const candidates = shuffle(
      [...known].filter(([id, k]) => !connectedIds.has(id) && !isBanned(id) && k.retryAt <= now),
    ).slice(0, Math.min(options.maxDialsPerExchange, options.targetPeers - connectedIds.size));
    await Promise.all(candidates.map(([id, k]) => dial(id, k)));
  }
  const exchange = () => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };

  let soon: NodeJS.Timeout | undefined;
  const onConnect = () => {
    if (stopped || soon) return;
    // A burst of connects (start, a healed partition) makes one round.
    soon = setTimeout(() => {
      soon = undefined;
      void exchange();
    }, 500);
    soon.unref();
  };
  host.addEventListener("peer:connect", onConnect);
  const timer = setInterval(() => void exchange(), options.peerExchangeIntervalMs);
  timer.unref();
  await host.handle(PEER_EXCHANGE_PROTOCOL, serve, { maxInboundStreams: 1, maxOutboundStreams: 1 });
  // Known but unconnected peers (the bootstrap list) are dialled in the first round too.
  const first = setTimeout(() => void exchange(), 1_000);
  first.unref();

  return {
    exchange,
    knownPeers: () => [...known.keys()],
    async stop() {
      stopped = true;
      clearTimeout(soon);
      clearTimeout(first);
      clearInterval(timer);
      host.removeEventListener("peer:connect", onConnect);
      await host.unhandle(PEER_EXCHANGE_PROTOCOL).catch(() => undefined);
      await running?.catch(() => undefined);
    },
  };
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
