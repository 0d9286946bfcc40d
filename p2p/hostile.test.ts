import { randomBytes } from "node:crypto";
import type { Stream } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hash } from "../contracts/merkle/chunkTree.ts";
import {
  encodeRawRpc,
  type HostilePeer,
  type RawStream,
  startHostilePeer,
} from "../test/harness/hostilePeer.ts";
import {
  createTestNetwork,
  type TestNetwork,
  type TestNode,
  waitFor,
} from "../test/harness/startTestNodes.ts";
import { type ChunkedContribution, chunkContribution } from "./chunks/chunkContribution.ts";
import { encodeChunkMessage } from "./chunks/chunkMessage.ts";
import type { CommitmentSource } from "./commitments/commitmentSource.ts";
import { createMemoryCommitmentSource } from "./commitments/createMemoryCommitmentSource.ts";
import { chunkTopic } from "./gossip/chunkTopic.ts";
import { readFrames, writeFrame } from "./sync/streamFrames.ts";
import { encodeFetchRequest, FETCH_PROTOCOL } from "./sync/syncProtocol.ts";

/**
 * Hostile peers against real nodes: each attacker is a bare libp2p node (test/harness/hostilePeer.ts) that
 * writes /meshsub and sync frames itself, with its own protobuf writer, so it can send what no gossipsub
 * implementation would. One test per attack; each asserts the defence (a ban, a bound, honest data still
 * arriving), and each fails on the code before the defence existed.
 */
const DATANET = 7n;
const CHUNK = 1024;
const TOPIC = chunkTopic(DATANET);
const source = createMemoryCommitmentSource();
let lookups = 0;
/** The chain as the nodes see it, counting every lookup that reaches it (the indexer's SQL in production). */
const commitments: CommitmentSource = {
  getCommitment(root) {
    lookups++;
    return source.getCommitment(root);
  },
  onCommitment: (listener) => source.onCommitment!(listener),
  listCommitments: (datanetId) => source.listCommitments!(datanetId),
};
let net: TestNetwork;
let publisher: TestNode;
const attackers: HostilePeer[] = [];

function commit(c: ChunkedContribution) {
  source.commit({
    dataRoot: c.dataRoot,
    datanetId: DATANET,
    chunkCount: c.count,
    byteSize: BigInt(c.byteSize),
  });
}
const contribution = (chunks: number) =>
  chunkContribution({ datanetId: DATANET, bytes: randomBytes(chunks * CHUNK), chunkBytes: CHUNK });
/** A well-formed chunk message (valid proof) under a fresh root nobody committed. */
const junkChunk = () => encodeChunkMessage(contribution(1).messages[0]!);
const complete = async (node: TestNode, root: Hash) =>
  (await node.store.getContribution(root))?.complete === true;

async function metric(node: TestNode, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = node.common.metrics.registry.getSingleMetric(`olnode_${name}`);
  const values = (await m?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A fresh honest node connected to the publisher (its mesh). */
async function target(name: string, overrides = {}): Promise<TestNode> {
  const node = await net.start(name, overrides);
  await node.dial(publisher.multiaddrs()[0]!);
  await waitFor(`${name} sees the publisher on the topic`, () =>
    node.host.services.pubsub.getSubscribers(TOPIC).some((p) => p.toString() === publisher.peerId),
  );
  return node;
}

/** A new attacker identity with a raw /meshsub stream open to `node`, once node's gossipsub knows it. */
async function attack(node: TestNode): Promise<{ peer: HostilePeer; s: RawStream }> {
  const peer = await startHostilePeer();
  attackers.push(peer);
  await peer.dial(node.multiaddrs()[0]!);
  await waitFor("the target's gossipsub to add the attacker", () =>
    node.host.services.pubsub.getPeers().some((p) => p.toString() === peer.peerId),
  );
  return { peer, s: await peer.meshsub(node.multiaddrs()[0]!) };
}

const bannedAndGone = (node: TestNode, peerId: string) => () =>
  node.isBanned(peerId) && !node.connectedPeers().includes(peerId);

beforeAll(async () => {
  net = await createTestNetwork({
    commitments,
    datanets: [DATANET],
    options: { chunkBytes: CHUNK, maxChunkBytes: CHUNK, unknownRootGraceMs: 1_500 },
  });
  publisher = await net.start("publisher");
});
afterAll(async () => {
  await Promise.all(attackers.map((a) => a.stop().catch(() => undefined)));
  await net?.stop();
});

describe("hostile peers", () => {
  it("a flood of chunks under never-committed roots is bounded before validation, cached, and banned", async () => {
    const node = await target("flooded");
    const { peer, s } = await attack(node);
    const before = lookups;
    let sent = 0;
    try {
      for (let i = 0; i < 200 && !node.isBanned(peer.peerId); i++) {
        await s.frame(
          encodeRawRpc({ messages: Array.from({ length: 16 }, () => ({ topic: TOPIC, data: junkChunk() })) }),
        );
        sent += 16;
      }
    } catch {
      // the target hung up
    }
    await waitFor("the flooder is banned and disconnected", bannedAndGone(node, peer.peerId));
    // Each fresh root used to cost a lookup (two SQL queries) and a pending slot; now a peer gets a small budget
    // of roots (64 at once), each looked up at most once per negative-cache TTL.
    expect(lookups - before).toBeLessThan(sent / 4);
    expect(await metric(node, "p2p_pending_chunks")).toBeLessThanOrEqual(32);
    expect(await metric(node, "p2p_misbehaviour_total", { kind: "UNKNOWN_ROOT_FLOOD" })).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(64);
    // Honest traffic still flows to the node that was flooded.
    const c = contribution(3);
    commit(c);
    await publisher.publish({ chunked: c });
    await waitFor("the honest contribution reaches the flooded node", () => complete(node, c.dataRoot));
  });

  it("roots a peer sends that never become committed cost it, until it is banned", async () => {
    const node = await target("uncommitted");
    const { peer, s } = await attack(node);
    // Within every rate limit: a few fresh roots a second, none ever committed.
    for (let i = 0; i < 40 && !node.isBanned(peer.peerId); i++) {
      await s.frame(encodeRawRpc({ messages: [{ topic: TOPIC, data: junkChunk() }] }));
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor("the peer is banned for its uncommitted roots", bannedAndGone(node, peer.peerId));
    expect(await metric(node, "p2p_misbehaviour_total", { kind: "UNCOMMITTED_ROOT" })).toBeGreaterThanOrEqual(
      20,
    );
    // The publisher, whose roots were committed, is in good standing.
    expect(node.isBanned(publisher.peerId)).toBe(false);
  });

  it("the pending set cannot be squatted: an honest chunk that beats its commitment is still kept", async () => {
    const node = await target("squatted");
    const { s } = await attack(node);
    // 320 tiny messages under fresh roots used to fill all 256 pending slots for 10 minutes.
    for (let i = 0; i < 20; i++) {
      await s.frame(
        encodeRawRpc({ messages: Array.from({ length: 16 }, () => ({ topic: TOPIC, data: junkChunk() })) }),
      );
    }
    await waitFor("the squatter's chunks are held or dropped", async () => {
      const ignored = await metric(node, "p2p_messages_total", { action: "IGNORE" });
      const dropped = await metric(node, "p2p_gossip_dropped_total");
      return ignored + dropped >= 320;
    });
    expect(await metric(node, "p2p_pending_chunks")).toBeLessThanOrEqual(32);
    const acceptedBefore = await metric(node, "p2p_messages_total", { action: "PENDING_ACCEPT" });
    const heldBefore = await metric(node, "p2p_messages_total", { action: "IGNORE", code: "ROOT_UNKNOWN" });
    // Commit-first publishing, with the node's indexer trailing: the chunks arrive before the root is known.
    const c = contribution(4);
    await publisher.publish({ chunked: c });
    await waitFor(
      "the honest chunks are held as pending",
      async () =>
        (await metric(node, "p2p_messages_total", { action: "IGNORE", code: "ROOT_UNKNOWN" })) >=
        heldBefore + 4,
    );
    commit(c);
    // From the pending set, not by a later sync.
    await waitFor(
      "the held chunks are accepted once the root is committed",
      async () =>
        (await metric(node, "p2p_messages_total", { action: "PENDING_ACCEPT" })) - acceptedBefore === 4,
    );
    await waitFor("the node completes the contribution", () => complete(node, c.dataRoot));
  });

  it("junk below the chunk codec bans: non-protobuf frames", async () => {
    const node = await target("junkrpc");
    const { peer, s } = await attack(node);
    for (let i = 0; i < 10 && !node.isBanned(peer.peerId); i++) {
      // Field 0 with wire type 7: no protobuf decoder accepts it.
      await s.frame(Uint8Array.from([0x07, ...randomBytes(64)])).catch(() => undefined);
    }
    await waitFor("the sender of garbage frames is banned", bannedAndGone(node, peer.peerId));
    expect(await metric(node, "p2p_misbehaviour_total", { kind: "BAD_RPC" })).toBeGreaterThanOrEqual(4);
  });

  it("junk below the chunk codec bans: a 2 GiB length prefix, and a 5 MiB frame", async () => {
    const node = await target("oversize");
    const first = await attack(node);
    // A varint length prefix of 2^31, then some bytes: the frame limit is 4 MiB.
    await first.s
      .raw(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x08, ...randomBytes(64)]))
      .catch(() => undefined);
    await waitFor("the 2 GiB prefix is banned", bannedAndGone(node, first.peer.peerId));
    const second = await attack(node);
    await second.s.frame(randomBytes(5 * 1024 * 1024)).catch(() => undefined);
    await waitFor("the 5 MiB frame is banned", bannedAndGone(node, second.peer.peerId));
    expect(await metric(node, "p2p_misbehaviour_total", { kind: "OVERSIZE_FRAME" })).toBe(2);
  });

  it("junk below the chunk codec bans: signed messages under StrictNoSign", async () => {
    const node = await target("signed");
    const { peer, s } = await attack(node);
    for (let i = 0; i < 10 && !node.isBanned(peer.peerId); i++) {
      await s
        .frame(
          encodeRawRpc({
            messages: [
              {
                topic: TOPIC,
                data: junkChunk(),
                from: randomBytes(38),
                seqno: randomBytes(8),
                signature: randomBytes(64),
                key: randomBytes(36),
              },
            ],
          }),
        )
        .catch(() => undefined);
    }
    await waitFor("the signer is banned", bannedAndGone(node, peer.peerId));
    expect(await metric(node, "p2p_misbehaviour_total", { kind: "INVALID_MESSAGE" })).toBeGreaterThanOrEqual(
      1,
    );
  });

  it("an IHAVE flood bans", async () => {
    const node = await target("ihave");
    const { peer, s } = await attack(node);
    for (let i = 0; i < 60 && !node.isBanned(peer.peerId); i++) {
      const ids = Array.from({ length: 5000 }, () => randomBytes(32));
      await s.frame(encodeRawRpc({ ihave: [{ topic: TOPIC, ids }] })).catch(() => undefined);
    }
    await waitFor("the IHAVE flooder is banned", bannedAndGone(node, peer.peerId));
    expect(await metric(node, "p2p_misbehaviour_total", { kind: "CONTROL_FLOOD" })).toBeGreaterThan(0);
  });

  it("replaying an honest chunk costs the replayer", async () => {
    const node = await target("replayed");
    const c = contribution(1);
    commit(c);
    await publisher.publish({ chunked: c });
    await waitFor("the node has the honest chunk", () => complete(node, c.dataRoot));
    const { peer, s } = await attack(node);
    const honest = encodeChunkMessage(c.messages[0]!);
    for (let i = 0; i < 30 && !node.isBanned(peer.peerId); i++) {
      await s
        .frame(encodeRawRpc({ messages: Array.from({ length: 8 }, () => ({ topic: TOPIC, data: honest })) }))
        .catch(() => undefined);
    }
    await waitFor("the replayer is banned", bannedAndGone(node, peer.peerId));
    expect(await metric(node, "p2p_misbehaviour_total", { kind: "REPLAY" })).toBeGreaterThan(50);
    expect(node.isBanned(publisher.peerId)).toBe(false);
  });

  it("messages on topics nobody subscribed to are dropped, not cached", async () => {
    const node = await target("offtopic");
    const { s } = await attack(node);
    for (let i = 0; i < 20; i++) {
      const messages = Array.from({ length: 16 }, (_, k) => ({
        topic: `/junk/${i}/${k}`,
        data: randomBytes(64 * 1024),
      }));
      await s.frame(encodeRawRpc({ messages })).catch(() => undefined);
    }
    await waitFor(
      "the off-topic messages are dropped",
      async () => (await metric(node, "p2p_gossip_dropped_total", { reason: "unsubscribed" })) >= 320,
    );
    // Gossipsub's message cache would have held 20 MiB of them for five heartbeats.
    const mcache = (node.host.services.pubsub as unknown as { mcache: { msgs: Map<string, unknown> } })
      .mcache;
    expect(mcache.msgs.size).toBeLessThan(10);
  });

  it("a sync server that never answers is charged and passed over; a good server is preferred", async () => {
    const holder = await net.start("holder");
    const node = await net.start("syncer");
    const mute = await startHostilePeer();
    attackers.push(mute);
    const held: Stream[] = [];
    await mute.host.handle(FETCH_PROTOCOL, (stream: Stream) => {
      held.push(stream); // takes the request and never answers
    });
    await node.dial(mute.host.getMultiaddrs()[0]!.toString());
    await node.dial(holder.multiaddrs()[0]!);
    // Three FETCH batches (64 indices each): at least one starts at the mute server.
    const c = contribution(130);
    for (const m of c.messages) await holder.store.putChunk(m);
    commit(c);
    const first = await node.backfill(c.dataRoot);
    expect(first.missing).toEqual([]);
    // The charge may land after the good server completed the backfill (the mute request's timer runs on).
    await waitFor("the mute server charged for not answering", async () => {
      return (await metric(node, "p2p_misbehaviour_total", { kind: "SYNC_NO_ANSWER" })) >= 1;
    });
    // Next time the good server is asked first: the mute one is not even tried. Counted by the requests it
    // receives, not by charges: a charge for a request of the first backfill may still land late (its
    // no-answer timer runs on after the good server completed the contribution).
    const asked = held.length;
    const d = contribution(130);
    for (const m of d.messages) await holder.store.putChunk(m);
    commit(d);
    expect((await node.backfill(d.dataRoot)).missing).toEqual([]);
    // On a quiet machine the mute server is not asked at all (held.length === asked). Under load the good server
    // can miss the first-frame deadline too and be charged alike, and the mute one is asked again (load mode saw
    // 2 more requests): the preference must never make it worse than the first round.
    expect(held.length - asked).toBeLessThanOrEqual(asked);
    for (const stream of held) stream.abort(new Error("done"));
  });

  it("FETCH refuses duplicate indices (256 copies of one chunk for a 1 KB request)", async () => {
    const holder = net.nodes.find((n) => n.name === "holder") ?? (await net.start("holder"));
    const c = contribution(2);
    commit(c);
    for (const m of c.messages) await holder.store.putChunk(m);
    const asker = await startHostilePeer();
    attackers.push(asker);
    const stream = await asker.host.dialProtocol(multiaddr(holder.multiaddrs()[0]!), FETCH_PROTOCOL);
    await writeFrame(stream, encodeFetchRequest({ dataRoot: c.dataRoot, indices: Array(256).fill(0) }));
    await stream.close().catch(() => undefined);
    let frames = 0;
    try {
      for await (const _ of readFrames(stream, 2 * 1024 * 1024)) frames++;
    } catch {
      // refused: the stream is reset
    }
    expect(frames).toBe(0);
    await waitFor(
      "the asker is charged",
      async () => (await metric(holder, "p2p_misbehaviour_total", { kind: "MALFORMED_SYNC_REQUEST" })) >= 1,
    );
  });

  it("idle identities holding every connection slot do not lock out an honest peer", async () => {
    const node = await target("crowded", {
      maxConnections: 6,
      reservedConnections: 4,
      idleConnectionGraceMs: 500,
    });
    const idle: HostilePeer[] = [];
    for (let i = 0; i < 8; i++) {
      const p = await startHostilePeer();
      attackers.push(p);
      idle.push(p);
      await p.dial(node.multiaddrs()[0]!).catch(() => undefined);
    }
    const honest = await net.start("newcomer");
    await honest.dial(node.multiaddrs()[0]!);
    await waitFor("the node prunes idle peers back to its cap, keeping the newcomer", () => {
      const peers = node.connectedPeers();
      return peers.length <= 6 && peers.includes(honest.peerId) && peers.includes(publisher.peerId);
    });
    // The newcomer does useful work over its slot.
    const c = contribution(2);
    commit(c);
    await honest.publish({ chunked: c });
    await waitFor("the newcomer's contribution reaches the node", () => complete(node, c.dataRoot));
    expect(node.connectedPeers()).toContain(honest.peerId);
    expect(idle.filter((p) => node.connectedPeers().includes(p.peerId)).length).toBeLessThanOrEqual(4);
  });

  it("one IP may hold only maxConnectionsPerIp connections", async () => {
    const node = await net.start("perip", { ipColocationWhitelist: [], maxConnectionsPerIp: 3 });
    const farm: HostilePeer[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await startHostilePeer();
      attackers.push(p);
      farm.push(p);
      await p.dial(node.multiaddrs()[0]!).catch(() => undefined);
    }
    await waitFor("three connections from 127.0.0.1 at most", () => node.connectedPeers().length === 3);
    expect(await metric(node, "p2p_connections_pruned_total", { reason: "per_ip_limit" })).toBe(2);
  });

  it("bans survive a restart", async () => {
    const node = await target("restarted");
    const { peer, s } = await attack(node);
    for (let i = 0; i < 10 && !node.isBanned(peer.peerId); i++) {
      await s.frame(Uint8Array.from([0x07, ...randomBytes(16)])).catch(() => undefined);
    }
    await waitFor("the attacker is banned", bannedAndGone(node, peer.peerId));
    const { dir, name } = node;
    await net.stopNode(node);
    const again = await net.start(name, {}, dir);
    expect(again.isBanned(peer.peerId)).toBe(true);
    expect(again.bans().map((b) => b.peerId)).toContain(peer.peerId);
    // It cannot come back: the handshake may finish on its side, but the node refuses it.
    await peer.dial(again.multiaddrs()[0]!).catch(() => undefined);
    await waitFor("the banned peer is refused", () =>
      peer.host.getConnections().every((c) => c.remotePeer.toString() !== again.peerId),
    );
    expect(again.connectedPeers()).not.toContain(peer.peerId);
  });
});
