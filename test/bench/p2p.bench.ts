import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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

/**
 * Honest chunk latency and RSS while one peer floods chunks under never-committed roots at its maximum rate
 * (test/bench/floodPeer.ts, its own process, a new identity each time it is banned), against the same network
 * without the flood in the same run. Four nodes in this process; one publishes a 256 KiB committed
 * contribution every 200 ms and the latency is publish → complete at the flooded node. RSS is this process's
 * (the four honest nodes), sampled every 250 ms; growth is the peak over the phase minus the value before it.
 */
async function flood(): Promise<BenchFigure[]> {
  const samples = Number(process.env.P2P_FLOOD_SAMPLES ?? 60);
  const { net, nodes, commitRandom } = await startNetwork(4, 3);
  const [publisher, target] = nodes as [TestNode, TestNode, ...TestNode[]];
  const rssMiB = () => process.memoryUsage().rss / MiB;
  async function phase() {
    const before = rssMiB();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB());
    }, 250);
    const latencies: number[] = [];
    try {
      for (let i = 0; i < samples; i++) {
        const { bytes, chunked } = commitRandom(DEFAULT_CHUNK_BYTES);
        let done: (() => void) | undefined;
        const completed = new Promise<void>((resolve) => {
          done = resolve;
        });
        const off = target.onContributionComplete((r) => {
          if (r.dataRoot === chunked.dataRoot) done?.();
        });
        const t0 = performance.now();
        await publisher.publish({ datanetId: DATANET, bytes });
        await Promise.race([completed, new Promise((r) => setTimeout(r, 60_000))]);
        latencies.push(performance.now() - t0);
        off();
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      clearInterval(sampler);
    }
    return { latencies, growth: Math.max(0, peak - before), before, peak };
  }
  try {
    const quiet = await phase();
    const seconds = Math.ceil((samples * 0.5 + 10) * 2);
    const child = spawn(
      process.execPath,
      [
        join(dirname(fileURLToPath(import.meta.url)), "floodPeer.ts"),
        target.multiaddrs()[0]!,
        String(seconds),
        String(DATANET),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let flooded: Awaited<ReturnType<typeof phase>>;
    try {
      await new Promise((r) => setTimeout(r, 3_000)); // the flood is under way before we measure
      flooded = await phase();
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    const stats = (out.trim() ? JSON.parse(out.trim().split("\n").pop()!) : {}) as {
      sent?: number;
      identities?: number;
    };
    const dropped = await target.common.metrics.registry
      .getSingleMetric("olnode_p2p_gossip_dropped_total")
      ?.get();
    const extra = {
      samples,
      flood: {
        identitiesBanned: await target.common.metrics.registry
          .getSingleMetric("olnode_p2p_disconnects_total")
          ?.get()
          .then((m) => m.values.reduce((a, v) => a + v.value, 0)),
        droppedBeforeValidation: dropped?.values.reduce((a, v) => a + v.value, 0),
        sent: stats.sent,
        identities: stats.identities,
      },
      rssMiB: {
        quietBefore: Math.round(quiet.before),
        floodBefore: Math.round(flooded.before),
        floodPeak: Math.round(flooded.peak),
      },
    };
    const note = "baseline: same 4 nodes, same publishing, no flood (same run)";
    const p99 = percentile(flooded.latencies, 99);
    const quietP99 = percentile(quiet.latencies, 99);
    return [
      figure(
        "p2p.flood.p50",
        percentile(flooded.latencies, 50),
        "ms",
        percentile(quiet.latencies, 50),
        note,
        extra,
      ),
      figure("p2p.flood.p99", p99, "ms", quietP99, note, {
        target: "<= 2x",
        met: p99 <= 2 * quietP99,
        ...extra,
      }),
      figure("p2p.flood.rss_growth", flooded.growth, "MiB", quiet.growth, note, {
        target: "<= 100 MiB",
        met: flooded.growth <= 100,
        ...extra,
      }),
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
  {
    name: "p2p.flood",
    description: "honest chunk p50/p99 and RSS growth while a peer floods uncommitted roots, vs no flood",
    run: flood,
  },
] satisfies Benchmark[];
