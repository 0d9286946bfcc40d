import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Message } from "@libp2p/gossipsub";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import { chunkContribution, DEFAULT_CHUNK_BYTES } from "../../p2p/chunks/chunkContribution.ts";
import { createMemoryCommitmentSource } from "../../p2p/commitments/createMemoryCommitmentSource.ts";
import {
  connectChain,
  createTestNetwork,
  type TestNode,
  waitFor,
  waitForTopicPeers,
} from "../harness/startTestNodes.ts";
import { type BenchFigure, type Benchmark, figure, percentile } from "./benchmark.ts";
import { propagationWan } from "./p2pWan.ts";

/**
 * P2P benchmarks: real libp2p nodes over loopback TCP in this process, real LevelDB stores. Each figure's
 * baseline is raw gossipsub (no validation, no store) between the very same nodes in the same run, on a
 * separate topic. All nodes share this process's 2 cores, so absolute figures are lower than on a network
 * of machines; the ratio is the point.
 */
const DATANET = 1n;
const RAW_TOPIC = "/openledger/bench/raw/1";
const MiB = 1024 * 1024;

async function startNetwork(size: number, degree: number) {
  const commitments = createMemoryCommitmentSource();
  const net = await createTestNetwork({
    commitments,
    datanets: [DATANET],
    // The periodic sweep is left out; commitment-triggered backfill stays, as in production.
    options: { sweepIntervalMs: 10 * 60_000, backfillDelayMs: 3_000 },
  });
  const nodes: TestNode[] = [];
  for (let i = 0; i < size; i++) nodes.push(await net.start(`bench${i}`));
  await connectChain(nodes, degree);
  for (const n of nodes) n.host.services.pubsub.subscribe(RAW_TOPIC);
  await waitForTopicPeers(nodes, DATANET, Math.min(degree, size - 1));
  await waitFor("raw topic peers", () =>
    nodes.every((n) => n.host.services.pubsub.getSubscribers(RAW_TOPIC).length >= Math.min(degree, size - 1)),
  );
  // Let a few heartbeats build the meshes before measuring.
  await new Promise((r) => setTimeout(r, 3_000));
  /** Random bytes committed on the (in-memory) chain, ready to publish: what a contributor does first. */
  const commitRandom = (byteLength: number) => {
    const bytes = randomBytes(byteLength);
    const chunked = chunkContribution({ datanetId: DATANET, bytes });
    commitments.commit({
      dataRoot: chunked.dataRoot,
      datanetId: DATANET,
      chunkCount: chunked.count,
      byteSize: BigInt(bytes.length),
    });
    return { bytes, chunked };
  };
  return { net, nodes, commitRandom };
}

/** Counts raw-topic messages received per node (first copies only: gossipsub drops duplicates before). */
function rawReceivers(nodes: TestNode[]) {
  const received = new Map<TestNode, Set<string>>();
  const offs = nodes.map((n) => {
    const set = new Set<string>();
    received.set(n, set);
    const on = (e: CustomEvent<Message>) => {
      if (e.detail.topic === RAW_TOPIC) set.add(Buffer.from(e.detail.data.subarray(0, 16)).toString("hex"));
    };
    n.host.services.pubsub.addEventListener("message", on);
    return () => n.host.services.pubsub.removeEventListener("message", on);
  });
  return {
    received,
    stop: () => {
      for (const off of offs) off();
    },
  };
}

/**
 * Polls how many of `total` units have been delivered until all have, or nothing moved for `stallMs`
 * (gossip under CPU starvation can lose a message past the IWANT window; a benchmark must still end).
 * Returns the delivered count and the time from `t0` to the last progress.
 */
async function measureDelivery(
  t0: number,
  total: number,
  delivered: () => number | Promise<number>,
  stallMs = 15_000,
) {
  let last = 0;
  let lastAt = performance.now();
  for (;;) {
    const now = await delivered();
    if (now !== last) {
      last = now;
      lastAt = performance.now();
    }
    if (now >= total || performance.now() - lastAt > stallMs)
      return { delivered: now, seconds: (lastAt - t0) / 1000 };
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function throughput(): Promise<BenchFigure[]> {
  const chunks = Number(process.env.P2P_BENCH_CHUNKS ?? 32);
  const { net, nodes, commitRandom } = await startNetwork(9, 3);
  try {
    const [publisher, ...subscribers] = nodes as [TestNode, ...TestNode[]];
    const raw = rawReceivers(subscribers);
    const p2pRates: number[] = [];
    const rawRates: number[] = [];
    const p2pDelivered: number[] = [];
    const rawDelivered: number[] = [];
    for (let round = 0; round < 3; round++) {
      // Raw gossipsub: same message sizes, no validator, nothing stored.
      const payloads = Array.from({ length: chunks }, () => randomBytes(DEFAULT_CHUNK_BYTES));
      let t0 = performance.now();
      for (const p of payloads) await publisher.host.services.pubsub.publish(RAW_TOPIC, p);
      const ids = payloads.map((p) => p.subarray(0, 16).toString("hex"));
      const r = await measureDelivery(t0, ids.length * subscribers.length, () =>
        subscribers.reduce((n, sub) => n + ids.filter((id) => raw.received.get(sub)!.has(id)).length, 0),
      );
      rawRates.push(((r.delivered / subscribers.length) * (DEFAULT_CHUNK_BYTES / MiB)) / r.seconds);
      rawDelivered.push(r.delivered / (ids.length * subscribers.length));

      // Full path: chunk, gossip, validate (hash + proof + commitment), store in LevelDB at every subscriber.
      const { bytes, chunked: c } = commitRandom(chunks * DEFAULT_CHUNK_BYTES);
      t0 = performance.now();
      await publisher.publish({ datanetId: DATANET, bytes });
      const p = await measureDelivery(t0, c.count * subscribers.length, async () =>
        (await Promise.all(subscribers.map((sub) => sub.store.getContribution(c.dataRoot)))).reduce(
          (n, rec) => n + (rec?.present ?? 0),
          0,
        ),
      );
      p2pRates.push(((p.delivered / subscribers.length) * (DEFAULT_CHUNK_BYTES / MiB)) / p.seconds);
      p2pDelivered.push(p.delivered / (c.count * subscribers.length));
    }
    raw.stop();
    const value = percentile(p2pRates, 50);
    const baseline = percentile(rawRates, 50);
    return [
      figure(
        "p2p.throughput",
        value,
        "MiB/s",
        baseline,
        "per-subscriber goodput; baseline: raw gossipsub, same 9 nodes, no validation/store",
        {
          target: ">= 0.5",
          met: value / baseline >= 0.5,
          subscribers: 8,
          chunkBytes: DEFAULT_CHUNK_BYTES,
          chunksPerRound: chunks,
          rounds: { p2p: p2pRates.map((r) => +r.toFixed(2)), raw: rawRates.map((r) => +r.toFixed(2)) },
          // Fraction of (chunk, subscriber) pairs delivered per round; < 1 means gossip lost some under load.
          delivered: { p2p: p2pDelivered, raw: rawDelivered },
        },
      ),
    ];
  } finally {
    await net.stop();
  }
}

/** Wraps gossipsub's per-copy receive path to count every copy, duplicates included (benchmark-only hook). */
function countCopies(nodes: TestNode[]): Map<string, number> {
  const copies = new Map<string, number>();
  for (const n of nodes) {
    const ps = n.host.services.pubsub as unknown as {
      handleReceivedMessage(from: unknown, rpcMsg: { topic: string }): Promise<void>;
    };
    const original = ps.handleReceivedMessage.bind(ps);
    ps.handleReceivedMessage = (from, rpcMsg) => {
      copies.set(rpcMsg.topic, (copies.get(rpcMsg.topic) ?? 0) + 1);
      return original(from, rpcMsg);
    };
  }
  return copies;
}

async function propagation(): Promise<BenchFigure[]> {
  const samples = Number(process.env.P2P_BENCH_SAMPLES ?? 30);
  const { net, nodes, commitRandom } = await startNetwork(20, 4);
  try {
    const copies = countCopies(nodes);
    const raw = rawReceivers(nodes);
    const p2pLatency: number[] = [];
    const rawLatency: number[] = [];
    for (let i = 0; i < samples; i++) {
      const publisher = nodes[i % nodes.length]!;
      const others = nodes.filter((n) => n !== publisher);

      const payload = randomBytes(DEFAULT_CHUNK_BYTES);
      const id = payload.subarray(0, 16).toString("hex");
      let t0 = performance.now();
      await publisher.host.services.pubsub.publish(RAW_TOPIC, payload);
      await waitFor("raw propagation", () => others.every((n) => raw.received.get(n)!.has(id)), 60_000, 2);
      rawLatency.push(performance.now() - t0);

      const { bytes, chunked: c } = commitRandom(DEFAULT_CHUNK_BYTES);
      const done = new Set<TestNode>();
      const offs = others.map((n) =>
        n.onContributionComplete((r) => {
          if (r.dataRoot === (c.dataRoot as Hash)) done.add(n);
        }),
      );
      t0 = performance.now();
      await publisher.publish({ datanetId: DATANET, bytes });
      await waitFor("p2p propagation", () => done.size === others.length, 60_000, 2);
      p2pLatency.push(performance.now() - t0);
      for (const off of offs) off();
    }
    raw.stop();
    const useful = samples * (nodes.length - 1);
    const dupP2P = (copies.get(`/openledger/datanet/${DATANET}/chunks/1`) ?? 0) / useful;
    const dupRaw = (copies.get(RAW_TOPIC) ?? 0) / useful;
    const note = "baseline: raw gossipsub 256 KiB message on the same 20 nodes (no validation/store)";
    return [
      figure("p2p.propagation.p50", percentile(p2pLatency, 50), "ms", percentile(rawLatency, 50), note, {
        nodes: 20,
        samples,
      }),
      figure("p2p.propagation.p99", percentile(p2pLatency, 99), "ms", percentile(rawLatency, 99), note, {
        nodes: 20,
        samples,
      }),
      figure(
        "p2p.propagation.duplicates",
        dupP2P,
        "copies per useful copy",
        dupRaw,
        "baseline: raw gossipsub topic, same run",
        {
          nodes: 20,
          samples,
        },
      ),
    ];
  } finally {
    await net.stop();
  }
}

async function soak(): Promise<BenchFigure[]> {
  const seconds = Number(process.env.P2P_SOAK_SECONDS ?? 60);
  const { net, nodes, commitRandom } = await startNetwork(4, 3);
  try {
    const rssMiB = () => process.memoryUsage().rss / MiB;
    // RSS includes LevelDB's and the allocator's caches; the JS heap after a full GC is what a leak would grow.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const heapMiB = () => {
      gc();
      return process.memoryUsage().heapUsed / MiB;
    };
    const publishOne = async (i: number) => {
      const { bytes } = commitRandom(DEFAULT_CHUNK_BYTES);
      await nodes[i % nodes.length]!.publish({ datanetId: DATANET, bytes });
    };
    const before = rssMiB();
    const heapBefore = heapMiB();
    const samples: { atSec: number; rssMiB: number; heapMiB: number }[] = [];
    const start = performance.now();
    const end = start + seconds * 1000;
    let published = 0;
    let nextSample = start;
    // Steady gossip: one 256 KiB contribution every 250 ms (1 MiB/s into a 4-node network).
    while (performance.now() < end) {
      await publishOne(published++);
      if (performance.now() >= nextSample) {
        samples.push({
          atSec: Math.round((performance.now() - start) / 1000),
          rssMiB: Math.round(rssMiB()),
          heapMiB: Math.round(heapMiB()),
        });
        nextSample += (seconds * 1000) / 10;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const after = rssMiB();
    const heapAfter = heapMiB();
    // Levelling off: growth over the second half against growth over the first.
    const midSample = samples[Math.floor(samples.length / 2)];
    const mid = midSample?.rssMiB ?? before;
    const heapMid = midSample?.heapMiB ?? heapBefore;
    return [
      figure(
        "p2p.soak.rss",
        after,
        "MiB",
        before,
        "baseline: RSS of the same process before the soak (4 nodes in-process)",
        {
          durationSec: seconds,
          published,
          publishedMiB: +((published * DEFAULT_CHUNK_BYTES) / MiB).toFixed(1),
          firstHalfGrowthMiB: Math.round(mid - before),
          secondHalfGrowthMiB: Math.round(after - mid),
          heapBeforeMiB: Math.round(heapBefore),
          heapAfterMiB: Math.round(heapAfter),
          heapFirstHalfGrowthMiB: Math.round(heapMid - heapBefore),
          heapSecondHalfGrowthMiB: Math.round(heapAfter - heapMid),
          samples,
          note2: "issue figure is 10 minutes: P2P_SOAK_SECONDS=600",
        },
      ),
    ];
  } finally {
    await net.stop();
  }
}

export default [
  {
    name: "p2p.throughput",
    description: "MiB/s from one publisher to 8 subscribers with validation + LevelDB vs raw gossipsub",
    run: throughput,
  },
  {
    name: "p2p.propagation",
    description: "p50/p99 for a 256 KiB chunk to reach all of 20 nodes, and the duplicate factor",
    run: propagation,
  },
  {
    name: "p2p.propagation_wan",
    description:
      "p50/p99 for a 256 KiB chunk to reach 20 nodes in network namespaces (50-150 ms, 1 % loss) vs raw gossipsub",
    run: propagationWan,
  },
  {
    name: "p2p.soak",
    description: "RSS before/after steady gossip (P2P_SOAK_SECONDS, default 60)",
    run: soak,
  },
] satisfies Benchmark[];
