import { DEFAULT_CHUNK_BYTES } from "./chunks/chunkContribution.ts";

/**
 * Everything tunable in p2p, with the reason for each default beside it (Lodestar's `defaultNetworkOptions`
 * style). The node fills `keyPath`, `storePath`, `listen` and `bootstrap` from its config; the rest rarely
 * needs changing.
 */
export type P2POptions = {
  /** Peer key file (created 0600 on first start). Same file, same peer id. */
  keyPath: string;
  /** LevelDB directory of the chunk store. */
  storePath: string;
  listen: string[];
  /** Multiaddrs with /p2p/<peerId> of peers to dial at start and keep dialling. */
  bootstrap: string[];
  /** Extra addresses to announce (a public IP behind NAT). */
  announce: string[];

  /**
   * Peer exchange (`/openledger/peers/1`): ask connected peers for theirs and dial new ones while below
   * `targetPeers`, and re-dial known peers whose connection dropped. Without it a node knows only its
   * bootstrap list, and a network of operators never finds itself.
   */
  peerExchange: boolean;
  /** Dial discovered peers only while below this: gossipsub meshes 6-12 peers per topic, and the rest of
   *  maxConnections stays free for peers that dial us. */
  targetPeers: number;
  /** How often a node below `targetPeers` asks for peers (it also asks right after a connect). */
  peerExchangeIntervalMs: number;
  /** Discovered peers dialled per round: a peer handing us junk addresses costs us a few dials, not a storm. */
  maxDialsPerExchange: number;

  /** Chunk size used when publishing; the protocol default, lowered per Datanet by its on-chain maxChunkBytes. */
  chunkBytes: number;
  /** Largest chunk accepted from anyone. Anything bigger is REJECTed before hashing. */
  maxChunkBytes: number;

  /** Connection cap: 2 cores and a home uplink serve ~100 peers of gossip at D=8 with room for sync. */
  maxConnections: number;
  /** Unauthenticated inbound handshakes in flight; a SYN-flood stalls here, not in the mesh. */
  maxIncomingPendingConnections: number;
  /** Inbound connection attempts per second per host before the dialer is refused. */
  inboundConnectionThreshold: number;
  /**
   * Connections past `maxConnections` accepted anyway so a newcomer is never refused while strangers hold
   * every slot; the connection guard then closes the least useful peers to get back under the cap.
   */
  reservedConnections: number;
  /** Connections from one IP (Sybil farms on one host); IPs in `ipColocationWhitelist` are exempt. */
  maxConnectionsPerIp: number;
  /** A new connection is never pruned for idleness before it had this long to prove useful. */
  idleConnectionGraceMs: number;
  /** Concurrent sync streams a peer may open to us per connection; each can pull 64 × 256 KiB. */
  maxInboundSyncStreams: number;
  /** Concurrent sync streams we open per connection. */
  maxOutboundSyncStreams: number;

  /** Messages waiting for their root to be committed; ≈ 256 chunks × 256 KiB = 64 MiB worst case. */
  pendingMaxMessages: number;
  pendingMaxBytes: number;
  /** Of those, what one peer may hold (its bytes in proportion): 32 of 256, so 8 peers are needed to fill it. */
  pendingMaxPerPeer: number;
  /** A root that has not appeared on-chain after this long is dropped (contributions commit within blocks). */
  pendingTtlMs: number;
  /** How often pending roots are re-checked when the CommitmentSource has no push notifications. */
  pendingRecheckMs: number;
  /** Committed roots remembered for validation without asking the source again. */
  commitmentCacheSize: number;
  /** A "not committed" answer is reused this long: a flood of one unknown root costs one query per TTL. */
  commitmentNegativeTtlMs: number;

  /**
   * Per-peer gossip budget, checked before validation. An honest peer forwards each message once; 1,000 a
   * second (bursts of 4,000) is far above what a node re-gossips, and the excess is dropped, unseen.
   */
  gossipPeerMessagesPerSecond: number;
  gossipPeerMessageBurst: number;
  /** Messages of one peer in validation at once (commitment lookups are async). */
  gossipPeerMaxInFlight: number;
  /**
   * New roots per peer per second that the commitment cache does not know as committed (each can cost a
   * lookup and a pending slot). Honest peers forward only committed roots; a publisher sends its own.
   */
  unknownRootsPerSecond: number;
  unknownRootBurst: number;
  /** A root a peer sent that is still not committed this long after is charged to the peer. */
  unknownRootGraceMs: number;
  /** IHAVE + IWANT message ids per peer per second (bursts of 4×). */
  gossipPeerControlIdsPerSecond: number;

  /** Sync: indices per fetch request (64 × 256 KiB = 16 MiB response, streamed frame by frame). */
  syncBatchSize: number;
  /** Sync: fetch requests in flight across all peers; bounds memory and lets gossip keep its bandwidth. */
  syncConcurrency: number;
  /** Sync: one request's deadline; a slow peer is dropped for the next. */
  syncRequestTimeoutMs: number;
  /** Sync: a server that sends nothing this long after the request is charged and skipped. */
  syncFirstFrameTimeoutMs: number;
  /** Sync: bytes one FETCH response may carry; the rest is answered RATE_LIMITED (ask again or elsewhere). */
  syncMaxResponseBytes: number;
  /** Sync: chunks a peer may request from us per second (token bucket refill) and burst. */
  syncServeChunksPerSecond: number;
  syncServeBurst: number;
  /** How long after a commitment appears before we fetch what gossip has not delivered. */
  backfillDelayMs: number;
  /** Periodic "what is missing" sweep: ask peers which roots they hold and fetch incomplete ones. */
  sweepIntervalMs: number;
  /** Roots a `have` response may list; more would let one peer make us do unbounded lookups. */
  maxHaveRoots: number;

  /** Ban a peer whose gossip score drops below this (the graylist threshold: we ignore it already). */
  disconnectScoreThreshold: number;
  /** How long a disconnected peer is refused (dial and inbound). */
  banDurationMs: number;
  /** Loopback and private nets where many honest nodes share one IP (devnet, tests) skip P6 colocation. */
  ipColocationWhitelist: string[];
};

export const defaultP2POptions: Omit<P2POptions, "keyPath" | "storePath"> = {
  listen: ["/ip4/0.0.0.0/tcp/9100"],
  bootstrap: [],
  announce: [],
  peerExchange: true,
  targetPeers: 16,
  peerExchangeIntervalMs: 30_000,
  maxDialsPerExchange: 4,
  chunkBytes: DEFAULT_CHUNK_BYTES,
  maxChunkBytes: DEFAULT_CHUNK_BYTES,
  maxConnections: 100,
  maxIncomingPendingConnections: 16,
  inboundConnectionThreshold: 10,
  reservedConnections: 16,
  maxConnectionsPerIp: 8,
  idleConnectionGraceMs: 30_000,
  maxInboundSyncStreams: 4,
  maxOutboundSyncStreams: 8,
  pendingMaxMessages: 256,
  pendingMaxBytes: 64 * 1024 * 1024,
  pendingMaxPerPeer: 32,
  pendingTtlMs: 2 * 60_000,
  pendingRecheckMs: 5_000,
  commitmentCacheSize: 16_384,
  commitmentNegativeTtlMs: 2_000,
  gossipPeerMessagesPerSecond: 1_000,
  gossipPeerMessageBurst: 4_000,
  gossipPeerMaxInFlight: 64,
  unknownRootsPerSecond: 2,
  unknownRootBurst: 64,
  unknownRootGraceMs: 5 * 60_000,
  gossipPeerControlIdsPerSecond: 5_000,
  syncBatchSize: 64,
  syncConcurrency: 4,
  syncRequestTimeoutMs: 15_000,
  syncFirstFrameTimeoutMs: 5_000,
  syncMaxResponseBytes: 16 * 1024 * 1024,
  syncServeChunksPerSecond: 256,
  syncServeBurst: 512,
  backfillDelayMs: 3_000,
  sweepIntervalMs: 60_000,
  maxHaveRoots: 4_096,
  disconnectScoreThreshold: -80,
  banDurationMs: 10 * 60_000,
  ipColocationWhitelist: [],
};
