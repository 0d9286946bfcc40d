import type { ConnectionGater, PeerId } from "@libp2p/interface";
import type { StoredBan } from "../store/createChunkStore.ts";

export type PeerBan = { peerId: string; untilMs: number; reason: string };

export type PeerBans = {
  /** Refuses the peer for `durationMs` (both directions); a longer ban already in force is kept. */
  ban(peerId: string, durationMs: number, reason?: string): void;
  unban(peerId: string): void;
  isBanned(peerId: string): boolean;
  /** Bans in force now. */
  list(): PeerBan[];
  /** A libp2p connection gater that refuses banned peers both ways, after the handshake reveals who they are. */
  gater: ConnectionGater;
};

/** Where bans are kept across restarts (the chunk store's `b/` keys). Writes are fire-and-forget. */
export type BanPersistence = {
  putBan(ban: StoredBan): Promise<void>;
  deleteBan(peerId: string): Promise<void>;
};

/**
 * Peers we refuse for a while after they misbehaved. With `persistence`, every ban and unban is written
 * through and `initial` (the bans read back at start) is in force before the host accepts a connection, so a
 * restart does not give a banned peer a fresh start. Bounded: past `maxBans` the ban ending soonest goes.
 */
export function createPeerBans(
  parameters: {
    now?: () => number;
    initial?: readonly PeerBan[];
    persistence?: BanPersistence;
    onPersistError?: (error: unknown) => void;
    maxBans?: number;
  } = {},
): PeerBans {
  const now = parameters.now ?? Date.now;
  const maxBans = parameters.maxBans ?? 100_000;
  const bans = new Map<string, PeerBan>();
  for (const b of parameters.initial ?? []) if (b.untilMs > now()) bans.set(b.peerId, b);
  const persist = (work: (() => Promise<void>) | undefined) =>
    void work?.().catch((error: unknown) => parameters.onPersistError?.(error));
  const isBanned = (peerId: string) => {
    const b = bans.get(peerId);
    if (b === undefined) return false;
    if (b.untilMs > now()) return true;
    bans.delete(peerId);
    const p = parameters.persistence;
    persist(p && (() => p.deleteBan(peerId)));
    return false;
  };
  const denied = (peerId: PeerId) => isBanned(peerId.toString());
  return {
    ban(peerId, durationMs, reason = "") {
      const untilMs = now() + durationMs;
      const existing = bans.get(peerId);
      if (existing && existing.untilMs >= untilMs) return;
      if (!existing && bans.size >= maxBans) {
        let soonest: PeerBan | undefined;
        for (const b of bans.values()) if (!soonest || b.untilMs < soonest.untilMs) soonest = b;
        if (soonest) bans.delete(soonest.peerId);
      }
      const ban = { peerId, untilMs, reason };
      bans.set(peerId, ban);
      const p = parameters.persistence;
      persist(p && (() => p.putBan(ban)));
    },
    unban(peerId) {
      if (!bans.delete(peerId)) return;
      const p = parameters.persistence;
      persist(p && (() => p.deleteBan(peerId)));
    },
    isBanned,
    list: () => [...bans.values()].filter((b) => isBanned(b.peerId)),
    gater: {
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
    },
  };
}
