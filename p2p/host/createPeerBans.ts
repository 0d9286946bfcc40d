import type { ConnectionGater, PeerId } from "@libp2p/interface";

export type PeerBans = {
  ban(peerId: string, durationMs: number): void;
  isBanned(peerId: string): boolean;
  /** A libp2p connection gater that refuses banned peers both ways, after the handshake reveals who they are. */
  gater: ConnectionGater;
};

/** Peers we refuse for a while after they were disconnected for misbehaviour. */
export function createPeerBans(now: () => number = Date.now): PeerBans {
  const until = new Map<string, number>();
  const isBanned = (peerId: string) => {
    const t = until.get(peerId);
    if (t === undefined) return false;
    if (t > now()) return true;
    until.delete(peerId);
    return false;
  };
  const denied = (peerId: PeerId) => isBanned(peerId.toString());
  return {
    ban(peerId, durationMs) {
      until.set(peerId, now() + durationMs);
    },
    isBanned,
    gater: {
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
    },
  };
}
