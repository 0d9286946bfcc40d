import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { multiaddr } from "@multiformats/multiaddr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../config/common/createCommon.ts";
import { type Hash, hashChunk } from "../contracts/merkle/chunkTree.ts";
import {
  connectChain,
  createTestNetwork,
  type TestNetwork,
  type TestNode,
  waitFor,
  waitForTopicPeers,
} from "../test/harness/startTestNodes.ts";
import { chunkContribution } from "./chunks/chunkContribution.ts";
import { type ChunkMessage, encodeChunkMessage } from "./chunks/chunkMessage.ts";
import { createMemoryCommitmentSource } from "./commitments/createMemoryCommitmentSource.ts";
import { chunkTopic } from "./gossip/chunkTopic.ts";
import { chunkScoreThresholds, createChunkScoreParams } from "./gossip/scoreParams.ts";
import { createP2PHost, type P2PHost } from "./host/createP2PHost.ts";
import { createPeerBans } from "./host/createPeerBans.ts";
import { loadPeerKey } from "./host/loadPeerKey.ts";

/**
 * Real libp2p nodes over loopback TCP with real LevelDB stores. One network is shared by the scenarios
 * (starting nodes is the expensive part); each scenario uses its own contribution.
 */
const DATANET = 42n;
const CHUNK = 64 * 1024;
const commitments = createMemoryCommitmentSource();
let net: TestNetwork;
let nodes: TestNode[];

function commit(c: ReturnType<typeof chunkContribution>) {
  commitments.commit({
    dataRoot: c.dataRoot,
    datanetId: c.datanetId,
    chunkCount: c.count,
    byteSize: BigInt(c.byteSize),
  });
}

const completeAt = async (node: TestNode, root: Hash) =>
  (await node.store.getContribution(root))?.complete === true;
const allComplete = (list: readonly TestNode[], root: Hash) => async () =>
  (await Promise.all(list.map((n) => completeAt(n, root)))).every(Boolean);

async function metric(node: TestNode, name: string, labels: Record<string, string>): Promise<number> {
  const m = node.common.metrics.registry.getSingleMetric(`olnode_${name}`);
  const values = (await m?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  net = await createTestNetwork({ commitments, datanets: [DATANET], options: { chunkBytes: CHUNK } });
  nodes = [];
  for (let i = 0; i < 8; i++) nodes.push(await net.start(`node${i}`));
  await connectChain(nodes, 3);
  await waitForTopicPeers(nodes, DATANET, 2);
});
afterAll(async () => {
  await net?.stop();
});

describe("p2p network", () => {
  it("a contribution published at one of 8 nodes arrives complete and byte-identical at all", async () => {
    const bytes = randomBytes(5 * CHUNK + 123);
    const c = chunkContribution({ datanetId: DATANET, bytes, chunkBytes: CHUNK });
    commit(c);
    const completed = new Set<string>();
    const offs = nodes.map((n) =>
      n.onContributionComplete((r) => {
        if (r.dataRoot === c.dataRoot) completed.add(n.name);
      }),
    );
    const published = await nodes[0]!.publish({ datanetId: DATANET, bytes });
    expect(published).toMatchObject({ dataRoot: c.dataRoot, count: 6 });
    await waitFor("all 8 nodes complete", allComplete(nodes, c.dataRoot));
    for (const n of nodes)
      expect(Buffer.from((await n.getContribution(c.dataRoot))!).equals(bytes)).toBe(true);
    expect(completed.size).toBe(8);
    for (const off of offs) off();
    // Most of it travelled by gossip, not by sync (metrics say where each stored chunk came from).
    const viaGossip = await Promise.all(
      nodes.slice(1).map((n) => metric(n, "p2p_stored_chunks_total", { source: "gossip" })),
    );
    expect(viaGossip.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it("a node started after publication backfills the contribution (through sync, or gossip's message cache)", async () => {
    const bytes = randomBytes(3 * CHUNK);
    const c = chunkContribution({ datanetId: DATANET, bytes, chunkBytes: CHUNK });
    commit(c);
    await nodes[3]!.publish({ datanetId: DATANET, bytes });
    await waitFor("published contribution everywhere", allComplete(nodes, c.dataRoot));
    const late = await net.start("late");
    expect(await completeAt(late, c.dataRoot)).toBe(false);
    await late.dial(nodes[5]!.multiaddrs()[0]!);
    await waitFor("late node backfilled", () => completeAt(late, c.dataRoot));
    expect(Buffer.from((await late.getContribution(c.dataRoot))!).equals(bytes)).toBe(true);
    // Gossipsub keeps recent messages for a few heartbeats and offers them (IHAVE) to a peer that joins the mesh:
    // a late node that joins soon enough, as on a loaded machine where the first wait ran long, may get some or
    // all chunks that way before sync asks. Both are legal; every chunk must have come by one of them.
    // (Sync alone, against forged and honest servers: p2p/sync/syncVerification.test.ts.)
    const bySync = await metric(late, "p2p_stored_chunks_total", { source: "sync" });
    const byGossip = await metric(late, "p2p_stored_chunks_total", { source: "gossip" });
    expect(bySync + byGossip).toBeGreaterThanOrEqual(3);
    await net.stopNode(late);
  });

  it("chunks that arrive before their root is committed are held, then accepted when it appears", async () => {
    const bytes = randomBytes(2 * CHUNK + 5);
    const c = chunkContribution({ datanetId: DATANET, bytes, chunkBytes: CHUNK });
    await nodes[1]!.publish({ datanetId: DATANET, bytes });
    const neighbours = [nodes[0]!, nodes[2]!];
    await waitFor("neighbours hold the chunks as pending", async () => {
      const ignored = await Promise.all(
        neighbours.map((n) => metric(n, "p2p_messages_total", { action: "IGNORE", code: "ROOT_UNKNOWN" })),
      );
      return ignored.every((v) => v >= 3);
    });
    for (const n of nodes.slice(2)) expect(await n.store.getContribution(c.dataRoot)).toBeUndefined();
    commit(c);
    await waitFor("complete everywhere after the commitment", allComplete(nodes, c.dataRoot));
    // The neighbours stored the very chunks they had parked, not a re-fetch.
    for (const n of neighbours) {
      expect(await metric(n, "p2p_messages_total", { action: "PENDING_ACCEPT" })).toBeGreaterThanOrEqual(3);
    }
  });

  it("an adversary sending forged, oversized, garbage and flooded messages is rejected and cut off", async () => {
    const adversary = await startAdversary(join(net.root, "adversary"));
    try {
      const targets = [nodes[2]!, nodes[4]!, nodes[6]!];
      for (const t of targets) await adversary.dial(multiaddr(t.multiaddrs()[0]!));
      const topic = chunkTopic(DATANET);
      adversary.services.pubsub.subscribe(topic);
      await waitFor("the adversary sees the targets on the topic", () =>
        targets.every((t) =>
          adversary.services.pubsub.getSubscribers(topic).some((p) => p.equals(t.host.peerId)),
        ),
      );
      await waitFor("targets see the adversary on the topic", () =>
        targets.every((t) =>
          t.host.services.pubsub.getSubscribers(topic).some((p) => p.equals(adversary.peerId)),
        ),
      );

      const real = chunkContribution({
        datanetId: DATANET,
        bytes: randomBytes(2 * CHUNK),
        chunkBytes: CHUNK,
      });
      commit(real);
      const good = real.messages[0]!;
      const forgedProof: ChunkMessage = { ...good, proof: good.proof.map(() => randomBytes(32)) };
      const wrongHash: ChunkMessage = { ...good, bytes: randomBytes(good.bytes.length) };
      const lyingHash: ChunkMessage = { ...wrongHash, chunkHash: hashChunk(wrongHash.bytes) };
      const oversized: ChunkMessage = { ...good, bytes: randomBytes(CHUNK * 4 + 1) };
      const junk = [forgedProof, wrongHash, lyingHash, oversized].map(encodeChunkMessage);
      for (const data of junk) await adversary.services.pubsub.publish(topic, data);
      // Flood: garbage as fast as the adversary can publish it.
      for (let i = 0; i < 200; i++) {
        await adversary.services.pubsub.publish(topic, randomBytes(64 + (i % 500))).catch(() => undefined);
      }

      const adversaryId = adversary.peerId.toString();
      await waitFor("every target bans and drops the adversary", () =>
        targets.every((t) => t.isBanned(adversaryId) && !t.connectedPeers().includes(adversaryId)),
      );
      for (const t of targets) {
        expect(t.peerScore(adversaryId)).toBeLessThan(chunkScoreThresholds.graylistThreshold);
        expect(await metric(t, "p2p_messages_total", { action: "REJECT" })).toBeGreaterThanOrEqual(3);
        expect(await metric(t, "p2p_disconnects_total", {})).toBeGreaterThanOrEqual(1);
      }
      const codes = new Set<string>();
      for (const t of targets) {
        for (const code of ["BAD_PROOF", "BAD_CHUNK_HASH", "MALFORMED"]) {
          if ((await metric(t, "p2p_messages_total", { action: "REJECT", code })) > 0) codes.add(code);
        }
      }
      expect([...codes].sort()).toEqual(["BAD_CHUNK_HASH", "BAD_PROOF", "MALFORMED"]);
      // Nothing the adversary sent was stored anywhere: each store holds only honest, verified chunks.
      for (const n of nodes) expect((await n.store.verifyIntegrity()).ok).toBe(true);
      for (const n of nodes) expect(await n.store.hasChunk(real.dataRoot, 0)).toBe(false);
      // A banned peer cannot come back: the handshake may finish on its side, but the target refuses it.
      await adversary.dial(multiaddr(nodes[2]!.multiaddrs()[0]!)).then(
        () => undefined,
        () => undefined,
      );
      await waitFor(
        "the re-dial to be dropped",
        () => adversary.getConnections(nodes[2]!.host.peerId).length === 0,
      );
      expect(nodes[2]!.connectedPeers()).not.toContain(adversaryId);

      // Honest traffic keeps flowing, and the real contribution the adversary tampered with arrives intact.
      await nodes[7]!.publish({
        datanetId: DATANET,
        bytes: Buffer.concat(real.messages.map((m) => m.bytes)),
      });
      await waitFor("honest contribution everywhere after the attack", allComplete(nodes, real.dataRoot));
      // No honest peer was caught in the crossfire.
      for (const n of nodes) for (const other of nodes) expect(n.isBanned(other.peerId)).toBe(false);
    } finally {
      await adversary.stop();
    }
  });

  it("a rejected contribution is pruned from every store", async () => {
    const bytes = randomBytes(CHUNK + 1);
    const c = chunkContribution({ datanetId: DATANET, bytes, chunkBytes: CHUNK });
    commit(c);
    await nodes[6]!.publish({ datanetId: DATANET, bytes });
    await waitFor("complete everywhere", allComplete(nodes, c.dataRoot));
    commitments.setStatus(c.dataRoot, "rejected");
    await waitFor("pruned everywhere", async () =>
      (await Promise.all(nodes.map((n) => n.store.getContribution(c.dataRoot)))).every(
        (r) => r === undefined,
      ),
    );
  });

  it("a restarted node keeps its peer id and its store", async () => {
    const bytes = randomBytes(CHUNK);
    const c = chunkContribution({ datanetId: DATANET, bytes, chunkBytes: CHUNK });
    commit(c);
    await nodes[0]!.publish({ datanetId: DATANET, bytes });
    await waitFor("complete everywhere", allComplete(nodes, c.dataRoot));
    const old = nodes[7]!;
    const { peerId, dir, name } = old;
    await net.stopNode(old);
    const again = await net.start(name, {}, dir);
    nodes[7] = again;
    expect(again.peerId).toBe(peerId);
    expect(Buffer.from((await again.store.readContribution(c.dataRoot))!).equals(bytes)).toBe(true);
    expect((await again.store.verifyIntegrity()).ok).toBe(true);
  });
});

/** A libp2p node with our transport stack but no validation at all: it publishes whatever it is told. */
async function startAdversary(dir: string): Promise<P2PHost> {
  const common = createTestCommon("adversary");
  return createP2PHost(common, {
    privateKey: await loadPeerKey(common, join(dir, "peer.key")),
    options: {
      listen: ["/ip4/127.0.0.1/tcp/0"],
      announce: [],
      bootstrap: [],
      maxConnections: 10,
      maxIncomingPendingConnections: 4,
      inboundConnectionThreshold: 10,
    },
    bans: createPeerBans(),
    scoreParams: createChunkScoreParams({ appSpecificScore: () => 0, ipColocationWhitelist: ["127.0.0.1"] }),
    scoreThresholds: chunkScoreThresholds,
  });
}
