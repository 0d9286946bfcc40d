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
  /** Concurrent sync streams a peer may open to us per connection; each can pull 64 × 256 KiB. */
  maxInboundSyncStreams: number;
  /** Concurrent sync streams we open per connection. */
  maxOutboundSyncStreams: number;

  /** Messages waiting for their root to be committed; ≈ 256 chunks × 256 KiB = 64 MiB worst case. */
  pendingMaxMessages: number;
  pendingMaxBytes: number;
  /** A root that has not appeared on-chain after this long is dropped (contributions commit within blocks). */
  pendingTtlMs: number;
  /** How often pending roots are re-checked when the CommitmentSource has no push notifications. */
  pendingRecheckMs: number;
  /** Committed roots remembered for validation without asking the source again. */
  commitmentCacheSize: number;

  /** Sync: indices per fetch request (64 × 256 KiB = 16 MiB response, streamed frame by frame). */
  syncBatchSize: number;
  /** Sync: fetch requests in flight across all peers; bounds memory and lets gossip keep its bandwidth. */
  syncConcurrency: number;
  /** Sync: one request's deadline; a slow peer is dropped for the next. */
  syncRequestTimeoutMs: number;
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
  maxInboundSyncStreams: 4,
  maxOutboundSyncStreams: 8,
  pendingMaxMessages: 256,
  pendingMaxBytes: 64 * 1024 * 1024,
  pendingTtlMs: 10 * 60_000,
  pendingRecheckMs: 5_000,
  commitmentCacheSize: 16_384,
  syncBatchSize: 64,
  syncConcurrency: 4,
  syncRequestTimeoutMs: 15_000,
  syncServeChunksPerSecond: 256,
  syncServeBurst: 512,
  backfillDelayMs: 3_000,
  sweepIntervalMs: 60_000,
  maxHaveRoots: 4_096,
  disconnectScoreThreshold: -80,
  banDurationMs: 10 * 60_000,
  ipColocationWhitelist: [],
};
