import type { Connection, MultiaddrConnection } from "@libp2p/interface";
import type { Common } from "../../config/common/createCommon.ts";
import type { P2POptions } from "../options.ts";
import type { P2PHost } from "./createP2PHost.ts";

export type ConnectionGuard = {
  /** For the connection gater: refuses an inbound connection from an IP that already holds its share. */
  denyInboundConnection(maConn: MultiaddrConnection): boolean;
  /** Starts pruning on `host`; `value` says how useful a peer has been (its gossipsub score, for one). */
  attach(host: P2PHost, value: (peerId: string) => number): void;
  /** Runs one pruning pass now (also runs on every new connection and every few seconds). */
  prune(): Promise<number>;
  stop(): void;
};

/** The IP of a TCP multiaddr (`/ip4/1.2.3.4/tcp/…`), or undefined for anything else. */
export function ipOf(address: { toString(): string }): string | undefined {
  return /^\/ip[46]\/([^/]+)/.exec(address.toString())?.[1];
}

/**
 * Keeps connection slots for peers that do useful work (issue: ~100 idle identities used to fill every slot
 * and honest newcomers were refused).
 *
 * - libp2p's own hard cap is `maxConnections + reservedConnections`, so a newcomer still gets in when
 *   strangers hold the first `maxConnections` slots;
 * - over `maxConnections`, the least useful peers are closed until we are back under it: lowest `value`
 *   first (gossipsub score: time in mesh, first deliveries, minus misbehaviour; +5 for peers we dialled
 *   ourselves), oldest first among equals. A connection younger than `idleConnectionGraceMs` is never closed
 *   for this — a newcomer gets time to show it is useful;
 * - at most `maxConnectionsPerIp` connections from one IP (IPs in `ipColocationWhitelist` are exempt), so one
 *   host cannot take the reserve with a farm of identities.
 */
export function createConnectionGuard(
  common: Common,
  options: Pick<
    P2POptions,
    "maxConnections" | "maxConnectionsPerIp" | "idleConnectionGraceMs" | "ipColocationWhitelist"
  >,
): ConnectionGuard {
  const log = common.logger.child({ module: "p2p.connections" });
  const pruned = common.metrics.counter(
    "p2p_connections_pruned_total",
    "Connections closed to keep slots for useful peers, by reason",
    ["reason"],
  );
  const exempt = new Set(options.ipColocationWhitelist);
  let host: P2PHost | undefined;
  let value: (peerId: string) => number = () => 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function pruneOnce(): Promise<number> {
    if (!host) return 0;
    const connections = host.getConnections();
    const excess = connections.length - options.maxConnections;
    if (excess <= 0) return 0;
    const now = Date.now();
    const candidates = connections
      .filter((c) => c.status === "open" && now - c.timeline.open >= options.idleConnectionGraceMs)
      .map((c) => ({
        c,
        v: value(c.remotePeer.toString()) + (c.direction === "outbound" ? 5 : 0),
      }))
      .sort((a, b) => a.v - b.v || a.c.timeline.open - b.c.timeline.open)
      .slice(0, excess);
    await Promise.all(
      candidates.map(async ({ c, v }: { c: Connection; v: number }) => {
        pruned.inc({ reason: "least_useful" });
        log.debug({ msg: "Closing a least useful connection", peer: c.remotePeer.toString(), value: v });
        // A peer that never closes its side must not stall pruning: give it a second, then cut.
        await c.close({ signal: AbortSignal.timeout(1_000) }).catch(() => c.abort(new Error("pruned")));
      }),
    );
    return candidates.length;
  }

  const prune = () => {
    running ??= pruneOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  const onOpen = () => void prune();

  return {
    denyInboundConnection(maConn) {
      if (!host) return false;
      const ip = ipOf(maConn.remoteAddr);
      if (ip === undefined || exempt.has(ip)) return false;
      let n = 0;
      for (const c of host.getConnections()) if (ipOf(c.remoteAddr) === ip) n++;
      if (n < options.maxConnectionsPerIp) return false;
      pruned.inc({ reason: "per_ip_limit" });
      return true;
    },
    attach(h, v) {
      host = h;
      value = v;
      h.addEventListener("connection:open", onOpen);
      timer = setInterval(onOpen, Math.max(1_000, Math.min(options.idleConnectionGraceMs, 10_000)));
      timer.unref();
    },
    prune,
    stop() {
      clearInterval(timer);
      host?.removeEventListener("connection:open", onOpen);
    },
  };
}
