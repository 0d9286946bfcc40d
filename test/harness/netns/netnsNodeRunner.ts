/**
 * One host's p2p processes in a network-namespace lab, run as `ip netns exec <ns> node netnsNodeRunner.ts <dir>`.
 * Talks JSON lines: requests `{id, op, …}` on stdin, answers `{id, ok, result | error}` and events `{event, …}`
 * on stdout (logs go to stderr). It can run the project's p2p node ("olnode": createP2PNode with its
 * validation and LevelDB store) and a plain libp2p + gossipsub node ("raw": the library's defaults, no
 * validation, nothing stored), side by side on different ports, for benchmarks that compare the two on the
 * same links. Timestamps (`at`) are epoch milliseconds with sub-millisecond precision, comparable across
 * the lab's processes (one machine, one clock). Exits when stdin closes.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { type GossipSub, gossipsub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { Libp2p } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import { createCommon } from "../../../config/common/createCommon.ts";
import type { Hash } from "../../../contracts/merkle/chunkTree.ts";
import { createMemoryCommitmentSource } from "../../../p2p/commitments/createMemoryCommitmentSource.ts";
import { createP2PNode, type P2PNode } from "../../../p2p/createP2PNode.ts";
import type { P2POptions } from "../../../p2p/options.ts";

export const RAW_TOPIC = "/openledger/bench/raw/1";

const dir = process.argv[2]!;
const now = () => performance.timeOrigin + performance.now();
const send = (message: object) =>
  process.stdout.write(`${JSON.stringify(message, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);

const commitments = createMemoryCommitmentSource();
let node: P2PNode | undefined;
let raw: Libp2p<{ pubsub: GossipSub; identify: ReturnType<ReturnType<typeof identify>> }> | undefined;
const common = createCommon({
  name: "netns",
  level: "warn",
  format: "json",
  destination: process.stderr,
  defaultMetrics: false,
});

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await common.metrics.registry.getSingleMetric(`olnode_${name}`)?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

type Request = { id: number; op: string; [k: string]: unknown };

const ops: Record<string, (r: Request) => Promise<unknown>> = {
  async start(r) {
    node = await createP2PNode(common, {
      options: {
        ...(r.options as Partial<P2POptions>),
        keyPath: join(dir, "peer.key"),
        storePath: join(dir, "chunks"),
      },
      commitments,
      datanets: (r.datanets as string[]).map(BigInt),
    });
    node.onContributionComplete((record) =>
      send({ event: "complete", dataRoot: record.dataRoot, at: now() }),
    );
    return { peerId: node.peerId, addresses: node.multiaddrs() };
  },
  async startRaw(r) {
    raw = await createLibp2p({
      addresses: { listen: r.listen as string[] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), pubsub: gossipsub() },
    });
    raw.services.pubsub.subscribe(RAW_TOPIC);
    raw.services.pubsub.addEventListener("message", (e) => {
      if (e.detail.topic !== RAW_TOPIC) return;
      send({ event: "raw", id: Buffer.from(e.detail.data.subarray(0, 16)).toString("hex"), at: now() });
    });
    return { peerId: raw.peerId.toString(), addresses: raw.getMultiaddrs().map(String) };
  },
  async commit(r) {
    commitments.commit({
      dataRoot: r.dataRoot as Hash,
      datanetId: BigInt(r.datanetId as string),
      chunkCount: r.chunkCount as number,
      byteSize: BigInt(r.byteSize as string),
    });
    return true;
  },
  async publish(r) {
    const at = now();
    const published = await node!.publish({
      datanetId: BigInt(r.datanetId as string),
      bytes: Buffer.from(r.bytes as string, "base64"),
      chunkBytes: r.chunkBytes as number | undefined,
    });
    return { dataRoot: published.dataRoot, count: published.count, at };
  },
  async publishRaw(r) {
    const data = Buffer.from(r.bytes as string, "base64");
    const at = now();
    await raw!.services.pubsub.publish(RAW_TOPIC, data);
    return { id: data.subarray(0, 16).toString("hex"), at };
  },
  async dial(r) {
    if (r.raw) await raw!.dial(multiaddr(r.address as string));
    else await node!.dial(r.address as string);
    return true;
  },
  async peers(r) {
    return r.raw ? raw!.getPeers().map(String) : node!.connectedPeers();
  },
  async topicPeers(r) {
    if (r.raw) return raw!.services.pubsub.getSubscribers(RAW_TOPIC).length;
    return node!.host.services.pubsub.getSubscribers(`/openledger/datanet/${r.datanetId}/chunks/1`).length;
  },
  /** Which of `roots` this node holds complete, with the sha256 of the reassembled bytes. */
  async contributions(r) {
    const out: Record<string, { complete: boolean; present: number; sha256?: string }> = {};
    for (const root of r.roots as Hash[]) {
      const record = await node!.store.getContribution(root);
      const bytes = record?.complete ? await node!.store.readContribution(root) : undefined;
      out[root] = {
        complete: record?.complete === true,
        present: record?.present ?? 0,
        sha256: bytes && createHash("sha256").update(bytes).digest("hex"),
      };
    }
    return out;
  },
  async stored() {
    return {
      gossip: await metric("p2p_stored_chunks_total", { source: "gossip" }),
      sync: await metric("p2p_stored_chunks_total", { source: "sync" }),
    };
  },
  async stop() {
    await node?.stop();
    await raw?.stop();
    node = undefined;
    raw = undefined;
    return true;
  },
};

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  let request: Request;
  try {
    request = JSON.parse(line) as Request;
  } catch {
    return;
  }
  const op = ops[request.op];
  if (!op) {
    send({ id: request.id, ok: false, error: `unknown op ${request.op}` });
    return;
  }
  op(request).then(
    (result) => send({ id: request.id, ok: true, result }),
    (error: unknown) =>
      send({ id: request.id, ok: false, error: error instanceof Error ? error.stack : String(error) }),
  );
});
lines.on("close", () => {
  void ops.stop!({ id: 0, op: "stop" }).finally(() => process.exit(0));
});
send({ event: "ready", pid: process.pid });
