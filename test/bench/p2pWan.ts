import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { chunkContribution, DEFAULT_CHUNK_BYTES } from "../../p2p/chunks/chunkContribution.ts";
import { createNetnsLab, netnsUnavailableReason } from "../harness/netns/createNetnsLab.ts";
import { type NetnsNode, startNetnsNode } from "../harness/netns/startNetnsNode.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";
import { type BenchFigure, figure, percentile } from "./benchmark.ts";

const DATANET = 1n;

/** A deterministic PRNG (mulberry32), so both networks get the same random graph in every run. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `p2p.propagation_wan`: p50/p99 of the time for one 256 KiB chunk, published at one node, to reach all of 20
 * nodes, each in its own network namespace with a 50-150 ms (one way), 1 % loss, 50 Mbit/s link
 * (test/harness/netns/createNetnsLab.ts). Baseline: plain libp2p + gossipsub nodes (library defaults, no
 * validation, nothing stored) in the same namespaces, on the same links and the same random graph (each node
 * dials 4 earlier ones), in the same processes, measured alternately with ours in the same run.
 */
export async function propagationWan(): Promise<BenchFigure[]> {
  const unavailable = netnsUnavailableReason();
  if (unavailable) throw new Error(`p2p.propagation_wan needs network namespaces: ${unavailable}`);
  const hosts = Number(process.env.P2P_WAN_NODES ?? 20);
  const samples = Number(process.env.P2P_WAN_SAMPLES ?? 20);
  const loadBefore = loadavg();
  const lab = await createNetnsLab({
    hosts,
    shape: (i) => ({ delayMs: Math.round(50 + (100 * i) / (hosts - 1)), lossPercent: 1, rateMbit: 50 }),
    seed: 20,
  });
  const root = await mkdtemp(join(tmpdir(), "olnode-wan-bench-"));
  const nodes: NetnsNode[] = [];
  try {
    const started = await Promise.all(
      lab.hosts.map((h) => startNetnsNode(lab, h, join(root, `h${h.index}`))),
    );
    nodes.push(...started);
    const addresses = await Promise.all(
      nodes.map(async (n) => {
        const ours = await n.call("start", {
          datanets: [String(DATANET)],
          // The same hand-made graph as the baseline: no peer exchange, no periodic sweep.
          options: {
            listen: [`/ip4/${n.host.ip}/tcp/9100`],
            peerExchange: false,
            sweepIntervalMs: 10 * 60_000,
          },
        });
        const raw = await n.call("startRaw", { listen: [`/ip4/${n.host.ip}/tcp/9200`] });
        return { ours: ours.addresses[0] as string, raw: raw.addresses[0] as string };
      }),
    );
    const random = seeded(20);
    for (let i = 1; i < nodes.length; i++) {
      const earlier = Array.from({ length: i }, (_, k) => k)
        .sort(() => random() - 0.5)
        .slice(0, 4);
      for (const k of earlier) {
        await nodes[i]!.call("dial", { address: addresses[k]!.ours });
        await nodes[i]!.call("dial", { address: addresses[k]!.raw, raw: true });
      }
    }
    await waitFor(
      "topic peers on both networks",
      async () => {
        const counts = await Promise.all(
          nodes.flatMap((n) => [
            n.call("topicPeers", { datanetId: String(DATANET) }),
            n.call("topicPeers", { raw: true }),
          ]),
        );
        return counts.every((c) => c >= Math.min(3, hosts - 1)) || notYet("too few topic peers", counts);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // Heartbeats build the meshes before anything is measured.
    await new Promise((r) => setTimeout(r, 5_000));

    const arrivals = new Map<string, Map<number, number>>();
    for (const [i, n] of nodes.entries()) {
      n.onEvent((e) => {
        if (e.event === "ready") return;
        const key = e.event === "complete" ? e.dataRoot : e.id;
        const m = arrivals.get(key) ?? new Map<number, number>();
        arrivals.set(key, m);
        if (!m.has(i)) m.set(i, e.at);
      });
    }
    const others = nodes.length - 1;
    /** Time from `t0` until every other node reported `key`, or undefined if some never did within a minute. */
    async function reachAll(key: string, t0: number, publisher: number) {
      // The publisher reports its own copy too (stored locally): only the others count.
      const reached = () =>
        [...(arrivals.get(key) ?? new Map<number, number>()).entries()]
          .filter(([i]) => i !== publisher)
          .map(([, t]) => t - t0);
      try {
        await waitFor(
          `${key} at all nodes`,
          () => reached().length >= others || notYet("", reached().length),
          {
            timeoutMs: 60_000,
            intervalMs: 20,
          },
        );
      } catch {
        // counted as undelivered below
      }
      const at = reached();
      return { all: at.length >= others ? Math.max(...at) : undefined, each: at, delivered: at.length };
    }

    const ours: number[] = [];
    const raw: number[] = [];
    const oursEach: number[] = [];
    const rawEach: number[] = [];
    let oursDelivered = 0;
    let rawDelivered = 0;
    const measureOurs = async (publisher: number) => {
      const bytes = randomBytes(DEFAULT_CHUNK_BYTES);
      const c = chunkContribution({ datanetId: DATANET, bytes });
      // Committed on every node's chain first, as a contributor's transaction is mined before it publishes.
      await Promise.all(
        nodes.map((n) =>
          n.call("commit", {
            dataRoot: c.dataRoot,
            datanetId: String(DATANET),
            chunkCount: c.count,
            byteSize: String(c.byteSize),
          }),
        ),
      );
      const published = await nodes[publisher]!.call("publish", {
        datanetId: String(DATANET),
        bytes: bytes.toString("base64"),
      });
      const r = await reachAll(c.dataRoot, published.at, publisher);
      if (r.all !== undefined) ours.push(r.all);
      oursEach.push(...r.each);
      oursDelivered += r.delivered;
    };
    const measureRaw = async (publisher: number) => {
      const payload = randomBytes(DEFAULT_CHUNK_BYTES);
      const published = await nodes[publisher]!.call("publishRaw", { bytes: payload.toString("base64") });
      const r = await reachAll(published.id, published.at, publisher);
      if (r.all !== undefined) raw.push(r.all);
      rawEach.push(...r.each);
      rawDelivered += r.delivered;
    };
    for (let s = 0; s < samples; s++) {
      const publisher = s % nodes.length;
      // Alternate which goes first, so neither always follows the other's leftover traffic.
      if (s % 2 === 0) {
        await measureOurs(publisher);
        await measureRaw(publisher);
      } else {
        await measureRaw(publisher);
        await measureOurs(publisher);
      }
      process.stderr.write(`# p2p.propagation_wan sample ${s + 1}/${samples}\n`);
    }
    const loadAfter = loadavg();
    const extra = {
      nodes: hosts,
      samples,
      chunkBytes: DEFAULT_CHUNK_BYTES,
      links:
        "one way 50-150 ms (spread over the hosts), 1 % loss, 50 Mbit/s each way; graph: each node dials 4 earlier",
      reachedAll: { ours: ours.length, raw: raw.length },
      deliveredFraction: {
        ours: +(oursDelivered / (samples * others)).toFixed(3),
        raw: +(rawDelivered / (samples * others)).toFixed(3),
      },
      perNodeMs: {
        ours: { p50: percentile(oursEach, 50), p99: percentile(oursEach, 99) },
        raw: { p50: percentile(rawEach, 50), p99: percentile(rawEach, 99) },
      },
      loadavg: { before: loadBefore.map((l) => +l.toFixed(2)), after: loadAfter.map((l) => +l.toFixed(2)) },
    };
    const note = `time for a 256 KiB chunk to reach all ${hosts} nodes; baseline: raw gossipsub, same namespaces, links, graph, run`;
    return [
      figure("p2p.propagation_wan.p50", percentile(ours, 50), "ms", percentile(raw, 50), note, extra),
      figure("p2p.propagation_wan.p99", percentile(ours, 99), "ms", percentile(raw, 99), note, extra),
    ];
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await lab.destroy();
    await rm(root, { recursive: true, force: true });
  }
}
