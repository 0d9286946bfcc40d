import { multiaddr } from "@multiformats/multiaddr";
import type { Common } from "../config/common/createCommon.ts";
import { NonRetryableUserError } from "../config/errors/BaseError.ts";
import type { Hash } from "../contracts/merkle/chunkTree.ts";
import { type ChunkedContribution, chunkContribution } from "./chunks/chunkContribution.ts";
import type { ChunkMessage } from "./chunks/chunkMessage.ts";
import { chunkOutput } from "./chunks/outputChunk.ts";
import type { CommitmentChange, CommitmentSource } from "./commitments/commitmentSource.ts";
import { createCommitmentCache } from "./commitments/createCommitmentCache.ts";
import { createPeerExchange, type PeerExchange } from "./discovery/createPeerExchange.ts";
import { chunkTopic } from "./gossip/chunkTopic.ts";
import { createChunkGossip } from "./gossip/createChunkGossip.ts";
import { installGossipGate } from "./gossip/createGossipGate.ts";
import { createUnknownRoots } from "./gossip/createUnknownRoots.ts";
import { chunkScoreThresholds, createChunkScoreParams } from "./gossip/scoreParams.ts";
import { createConnectionGuard } from "./host/createConnectionGuard.ts";
import { createP2PHost, type GossipSubInternals, type P2PHost } from "./host/createP2PHost.ts";
import { createPeerBans, type PeerBan } from "./host/createPeerBans.ts";
import { createPeerReputation, type Misbehaviour } from "./host/createPeerReputation.ts";
import { loadPeerKey } from "./host/loadPeerKey.ts";
import { defaultP2POptions, type P2POptions } from "./options.ts";
import { type ChunkStore, type ContributionRecord, createChunkStore } from "./store/createChunkStore.ts";
import { type BackfillResult, createBackfill } from "./sync/createBackfill.ts";
import { createPeerPenalties } from "./sync/createPeerPenalties.ts";
import { createSyncClient } from "./sync/createSyncClient.ts";
import { createSyncServer } from "./sync/createSyncServer.ts";

export type CreateP2PNodeParameters = {
  options: Partial<P2POptions> & Pick<P2POptions, "keyPath" | "storePath">;
  /** The chain, as p2p sees it. The node passes one backed by the indexer or an RPC client. */
  commitments: CommitmentSource;
  /** Datanets to subscribe to at start. */
  datanets?: bigint[];
};

/** Bytes to chunk, or a contribution already chunked (to commit its root before publishing it). */
export type PublishContributionParameters =
  | { datanetId: bigint; bytes: Uint8Array; chunkBytes?: number }
  | { chunked: ChunkedContribution };
/** What was chunked and published: `dataRoot`, `count` and `byteSize` are what `contribute` commits. */
export type PublishContributionResult = ChunkedContribution;
export type PublishOutputParameters = { modelDatanetIds: readonly bigint[]; bytes: Uint8Array };

export type P2PNode = {
  peerId: string;
  /** Addresses other nodes can dial (with /p2p/<peerId>). */
  multiaddrs(): string[];
  /** Chunks a contribution, stores it and gossips every chunk. Commit `dataRoot` on-chain for peers to accept. */
  publish(parameters: PublishContributionParameters): Promise<PublishContributionResult>;
  /**
   * Publishes an inference output by the output-chunk rule (chunks/outputChunk.ts): one chunk on the topic of
   * the model's lowest-id Datanet. Its `dataRoot` is the `outputRoot` to record.
   */
  publishOutput(parameters: PublishOutputParameters): Promise<PublishContributionResult>;
  /**
   * Subscribes to the Datanet's topic and waits until a peer is known to be subscribed too (gossip reaches
   * only those), at most `timeoutMs`. True when one is.
   */
  waitForSubscribers(datanetId: bigint, timeoutMs: number): Promise<boolean>;
  subscribe(datanetId: bigint): void;
  unsubscribe(datanetId: bigint): void;
  /** The contribution's bytes: from the store, else backfilled from peers; undefined if it cannot be completed. */
  getContribution(dataRoot: Hash): Promise<Uint8Array | undefined>;
  /** Called once per contribution when its last chunk is stored (gossip, pending re-check or sync). */
  onContributionComplete(listener: (record: ContributionRecord) => void): () => void;
  backfill(dataRoot: Hash): Promise<BackfillResult>;
  /** Runs the "what is missing" sweep now (it also runs on peer connect and every sweepIntervalMs). */
  sweep(): Promise<void>;
  dial(address: string): Promise<void>;
  /** One peer exchange round now (it also runs on connect and every peerExchangeIntervalMs); a no-op when off. */
  exchangePeers(): Promise<void>;
  peerScore(peerId: string): number;
  isBanned(peerId: string): boolean;
  /**
   * Refuses a peer for `durationMs` (default `banDurationMs`), hanging up on it now. Bans are kept in the
   * store and survive a restart.
   */
  ban(peerId: string, durationMs?: number, reason?: string): void;
  unban(peerId: string): void;
  /** Bans in force now. */
  bans(): PeerBan[];
  /**
   * Charges a peer for misbehaviour seen outside p2p's own checks (e.g. a transport test); it is banned once
   * its score falls below `disconnectScoreThreshold`. Points per kind: `misbehaviourPoints`.
   */
  reportMisbehaviour(peerId: string, kind: Misbehaviour, times?: number): void;
  connectedPeers(): string[];
  store: ChunkStore;
  /** The libp2p node, for wiring and tests; p2p's own behaviour never needs callers to touch it. */
  host: P2PHost;
  stop(): Promise<void>;
};

/**
 * The p2p subsystem: libp2p host + chunk gossip + LevelDB store + sync/backfill, wired together.
 * Stopping it (or `common.shutdown.kill()`) closes the host first, then the store.
 */
export async function createP2PNode(common: Common, parameters: CreateP2PNodeParameters): Promise<P2PNode> {
  const options: P2POptions = { ...defaultP2POptions, ...parameters.options };
  if (options.chunkBytes > options.maxChunkBytes) {
    throw new NonRetryableUserError(`p2p.chunkBytes (${options.chunkBytes}) exceeds p2p.maxChunkBytes.`, {
      hint: "Publish with chunks no larger than what peers accept.",
    });
  }
  const log = common.logger.child({ module: "p2p" });
  const privateKey = await loadPeerKey(common, options.keyPath);
  const store = await createChunkStore(common, { path: options.storePath });
  let bans: ReturnType<typeof createPeerBans>;
  try {
    // Bans read back before the host exists, so a peer banned before a restart is refused from the start.
    bans = createPeerBans({
      initial: await store.listBans(Date.now()),
      persistence: store,
      onPersistError: (error) => log.warn({ msg: "Could not persist a ban", error }),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const penalties = createPeerPenalties({ halfLifeMs: 5 * 60_000 });
  const guard = createConnectionGuard(common, options);
  let host: P2PHost;
  try {
    host = await createP2PHost(common, {
      privateKey,
      options,
      bans,
      denyInboundConnection: (maConn) => guard.denyInboundConnection(maConn),
      scoreParams: createChunkScoreParams({
        appSpecificScore: penalties.score,
        ipColocationWhitelist: options.ipColocationWhitelist,
      }),
      scoreThresholds: chunkScoreThresholds,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const pubsub = host.services.pubsub as GossipSubInternals;
  const commitments = createCommitmentCache(parameters.commitments, {
    maxEntries: options.commitmentCacheSize,
    negativeTtlMs: options.commitmentNegativeTtlMs,
    maxNegativeEntries: options.commitmentCacheSize,
  });

  const peersGauge = common.metrics.gauge("p2p_peers", "Connected libp2p peers");
  const stored = common.metrics.counter(
    "p2p_stored_chunks_total",
    "Chunks newly written to the store, by source",
    ["source"],
  );
  const storedBytes = common.metrics.counter(
    "p2p_stored_bytes_total",
    "Chunk bytes newly written to the store",
  );
  const published = common.metrics.counter("p2p_published_bytes_total", "Chunk bytes published by this node");
  const completeTotal = common.metrics.counter("p2p_contributions_complete_total", "Contributions completed");

  const listeners = new Set<(record: ContributionRecord) => void>();
  async function storeChunk(message: ChunkMessage, source: string): Promise<void> {
    try {
      const result = await store.putChunk(message);
      if (!result.added) return;
      stored.inc({ source });
      storedBytes.inc(message.bytes.length);
      if (result.complete) {
        completeTotal.inc();
        log.debug({
          msg: "Contribution complete",
          dataRoot: result.record.dataRoot,
          chunks: result.record.count,
        });
        for (const l of listeners) l(result.record);
      }
    } catch (error) {
      log.error({ msg: "Storing a chunk failed", error, index: message.index });
    }
  }

  const hangUp = (peerId: string) => {
    const peer = host.getPeers().find((p) => p.toString() === peerId);
    if (peer) void host.hangUp(peer).catch(() => undefined);
  };
  const reputation = createPeerReputation(common, {
    penalties,
    bans,
    gossipScore(peerId) {
      if (!pubsub.score.peerStats.has(peerId)) return undefined;
      pubsub.score.scoreCache.delete(peerId); // the penalty just added must count now, not next heartbeat
      return pubsub.getScore(peerId);
    },
    hangUp,
    banThreshold: options.disconnectScoreThreshold,
    banDurationMs: options.banDurationMs,
  });
  const unknownRoots = createUnknownRoots({
    graceMs: options.unknownRootGraceMs,
    maxPerPeer: options.unknownRootBurst * 2,
    maxTotal: 65_536,
  });
  installGossipGate(common, {
    pubsub,
    commitments,
    unknownRoots,
    reputation,
    isBanned: bans.isBanned,
    options,
  });
  guard.attach(host, (peerId) => pubsub.getScore(peerId));

  const gossip = createChunkGossip(common, {
    host,
    commitments,
    options,
    onValidChunk: (message) => void storeChunk(message, "gossip"),
    onReject: (peer) => reputation.rejected(peer.toString()),
    onReplay: (peer) => reputation.report(peer.toString(), "REPLAY"),
    onPendingAccepted: (peer) => unknownRoots.credit(peer),
    committedRoots: unknownRoots.committedCount,
  });
  const client = createSyncClient(common, { host, report: reputation.report, options });
  const server = await createSyncServer(common, { host, store, report: reputation.report, options });

  // Roots peers sent us that are still not committed after the grace period cost them (UNCOMMITTED_ROOT).
  let judging = false;
  async function judgeUnknownRoots() {
    if (judging) return;
    judging = true;
    try {
      for (const { peer, root } of unknownRoots.takeOverdue(Date.now())) {
        const known =
          commitments.peek(root as Hash) ??
          ((await commitments.lookup(root as Hash)).found ? "committed" : "unknown");
        if (known === "committed") unknownRoots.credit(peer);
        else reputation.report(peer, "UNCOMMITTED_ROOT");
      }
    } finally {
      judging = false;
    }
  }
  const backfill = createBackfill(common, {
    host,
    store,
    client,
    commitments,
    source: parameters.commitments,
    subscribed: gossip.subscribed,
    onChunk: (message) => storeChunk(message, "sync"),
    options,
  });

  const unsubscribeCommitments = parameters.commitments.onCommitment?.((change: CommitmentChange) => {
    if (change.type === "removed") {
      // A reorg took the root off the chain: stop vouching for it; chunks now wait (IGNORE) like any unknown
      // root's. The stored chunks stay: the transaction is usually mined again.
      commitments.forget(change.dataRoot);
      log.info({ msg: "Commitment removed by a reorg", dataRoot: change.dataRoot });
      return;
    }
    const { commitment } = change;
    commitments.remember(commitment);
    if (commitment.status === "rejected") {
      void store.pruneContribution(commitment.dataRoot).then((pruned) => {
        if (pruned) log.info({ msg: "Pruned rejected contribution", dataRoot: commitment.dataRoot });
      });
      return;
    }
    // Accepted again after a rejection (an owner's override): take its chunks again, then fetch them.
    void store
      .unpruneContribution(commitment.dataRoot)
      .catch(() => false)
      .then((unpruned) => {
        if (unpruned)
          log.info({ msg: "Contribution accepted again after a rejection", dataRoot: commitment.dataRoot });
        void gossip.recheck(commitment.dataRoot);
        if (gossip.subscribed().includes(commitment.datanetId)) backfill.schedule(commitment.dataRoot);
      });
  });

  let sweepSoon: NodeJS.Timeout | undefined;
  const onPeersChanged = () => {
    peersGauge.set(host.getPeers().length);
  };
  const onConnect = () => {
    onPeersChanged();
    // A new peer may hold what we missed while offline; coalesce a burst of connects into one sweep.
    clearTimeout(sweepSoon);
    sweepSoon = setTimeout(() => void backfill.sweep(), 1_000);
    sweepSoon.unref();
  };
  host.addEventListener("peer:connect", onConnect);
  host.addEventListener("peer:disconnect", onPeersChanged);
  const onHeartbeat = () => {
    reputation.checkAll();
    void judgeUnknownRoots();
  };
  pubsub.addEventListener("gossipsub:heartbeat", onHeartbeat);

  let discovery: PeerExchange | undefined;
  if (options.peerExchange)
    discovery = await createPeerExchange(common, { host, isBanned: bans.isBanned, options });

  for (const datanetId of parameters.datanets ?? []) gossip.subscribe(datanetId);
  log.info({
    msg: "P2P node started",
    peerId: host.peerId.toString(),
    addresses: host.getMultiaddrs().map(String),
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearTimeout(sweepSoon);
      guard.stop();
      unsubscribeCommitments?.();
      backfill.stop();
      gossip.stop();
      await discovery?.stop();
      host.removeEventListener("peer:connect", onConnect);
      host.removeEventListener("peer:disconnect", onPeersChanged);
      pubsub.removeEventListener("gossipsub:heartbeat", onHeartbeat);
      await server.stop().catch(() => undefined);
      await host.stop();
      await store.close();
    })();
    return stopping;
  };
  common.shutdown.add("p2p", stop);

  async function publishChunked(chunked: ChunkedContribution): Promise<ChunkedContribution> {
    gossip.subscribe(chunked.datanetId);
    for (const message of chunked.messages) {
      await storeChunk(message, "local");
      await gossip.publish(message);
      published.inc(message.bytes.length);
    }
    return chunked;
  }

  return {
    peerId: host.peerId.toString(),
    multiaddrs: () => host.getMultiaddrs().map(String),
    publish(parameters) {
      return publishChunked(
        "chunked" in parameters
          ? parameters.chunked
          : chunkContribution({ ...parameters, chunkBytes: parameters.chunkBytes ?? options.chunkBytes }),
      );
    },
    publishOutput({ modelDatanetIds, bytes }) {
      return publishChunked(chunkOutput({ modelDatanetIds, bytes, maxChunkBytes: options.maxChunkBytes }));
    },
    async waitForSubscribers(datanetId, timeoutMs) {
      gossip.subscribe(datanetId);
      const deadline = Date.now() + timeoutMs;
      while (pubsub.getSubscribers(chunkTopic(datanetId)).length === 0) {
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
      return true;
    },
    subscribe: gossip.subscribe,
    unsubscribe: gossip.unsubscribe,
    async getContribution(dataRoot) {
      const local = await store.readContribution(dataRoot);
      if (local) return local;
      await backfill.backfill(dataRoot);
      return store.readContribution(dataRoot);
    },
    onContributionComplete(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    backfill: (dataRoot) => backfill.backfill(dataRoot),
    sweep: () => backfill.sweep(),
    async dial(address) {
      await host.dial(multiaddr(address));
    },
    exchangePeers: async () => discovery?.exchange(),
    peerScore: (peerId) => pubsub.getScore(peerId),
    isBanned: (peerId) => bans.isBanned(peerId),
    ban(peerId, durationMs = options.banDurationMs, reason = "manual") {
      bans.ban(peerId, durationMs, reason);
      hangUp(peerId);
    },
    unban: (peerId) => bans.unban(peerId),
    bans: () => bans.list(),
    reportMisbehaviour: (peerId, kind, times) => reputation.report(peerId, kind, times),
    connectedPeers: () => host.getPeers().map(String),
    store,
    host,
    stop,
  };
}
