import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkContribution } from "../../p2p/chunks/chunkContribution.ts";
import { createNetnsLab, type NetnsLab, netnsUnavailableReason } from "../harness/netns/createNetnsLab.ts";
import { type NetnsNode, startNetnsNode } from "../harness/netns/startNetnsNode.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";

/**
 * p2p across a real (emulated) network: six hosts in network namespaces, each link 50-150 ms one way, 1 % loss
 * and 20 Mbit/s each way (test/harness/netns/createNetnsLab.ts), one real p2p node per host in its own process.
 * The nodes are told only host 0's address; peer exchange must find the rest. Needs root (CI runs as root);
 * elsewhere the suite is skipped with the reason.
 */
const unavailable = netnsUnavailableReason();
const DATANET = 7n;
const CHUNK = 64 * 1024;
const HOSTS = 6;

let lab: NetnsLab | undefined;
const nodes: NetnsNode[] = [];
const peerIds: string[] = [];

type Contribution = { dataRoot: string; sha256: string };

/** Random bytes, chunked and committed on every node's (in-memory) chain before anyone publishes them. */
async function commitEverywhere(bytes: Uint8Array): Promise<Contribution> {
  const c = chunkContribution({ datanetId: DATANET, bytes, chunkBytes: CHUNK });
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
  return { dataRoot: c.dataRoot, sha256: createHash("sha256").update(bytes).digest("hex") };
}

async function publish(node: NetnsNode, bytes: Uint8Array) {
  await node.call("publish", {
    datanetId: String(DATANET),
    bytes: Buffer.from(bytes).toString("base64"),
    chunkBytes: CHUNK,
  });
}

/** Per node, whether it holds each contribution complete and byte-identical. */
async function holdings(list: readonly NetnsNode[], contributions: readonly Contribution[]) {
  return Promise.all(
    list.map(async (n) => {
      const held: Record<string, { complete: boolean; present: number; sha256?: string }> = await n.call(
        "contributions",
        { roots: contributions.map((c) => c.dataRoot) },
      );
      return contributions.map(
        (c) => held[c.dataRoot]?.complete === true && held[c.dataRoot]?.sha256 === c.sha256,
      );
    }),
  );
}

function allHold(list: readonly NetnsNode[], contributions: readonly Contribution[]) {
  return async () => {
    const held = await holdings(list, contributions);
    return (
      held.every((row) => row.every(Boolean)) ||
      notYet(
        "some nodes lack a contribution",
        Object.fromEntries(
          list.map((n, i) => [n.host.ip, held[i]!.map((h) => (h ? "yes" : "no")).join(",")]),
        ),
      )
    );
  };
}

describe.skipIf(unavailable !== undefined)(
  `p2p over delayed, lossy links in network namespaces${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    beforeAll(async () => {
      lab = await createNetnsLab({
        hosts: HOSTS,
        shape: (i) => ({ delayMs: 50 + (100 * i) / (HOSTS - 1), lossPercent: 1, rateMbit: 20 }),
        seed: 16,
      });
      const root = makeTempDir("olnode-wan-");
      for (const host of lab.hosts) nodes.push(await startNetnsNode(lab, host, join(root, `h${host.index}`)));
      const bootstrap: string[] = [];
      for (const n of nodes) {
        const started = await n.call("start", {
          datanets: [String(DATANET)],
          options: {
            listen: [`/ip4/${n.host.ip}/tcp/9100`],
            bootstrap,
            peerExchange: true,
            peerExchangeIntervalMs: 2_000,
            targetPeers: 4,
            backfillDelayMs: 1_000,
            sweepIntervalMs: 5_000,
          },
        });
        peerIds.push(started.peerId);
        // Host 0 is the only address anyone is given.
        if (bootstrap.length === 0) bootstrap.push(started.addresses[0]);
      }
    });
    afterAll(async () => {
      await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
      await lab?.destroy();
    });

    it("nodes told only one bootstrap address connect to peers nobody told them about", async () => {
      const strangers = async () =>
        Promise.all(
          nodes
            .slice(1)
            .map(async (n) => ((await n.call("peers")) as string[]).filter((p) => p !== peerIds[0])),
        );
      await waitFor(
        "every node connected to 2 peers besides the bootstrap node",
        async () => {
          const found = await strangers();
          return (
            found.every((s) => s.length >= 2) ||
            notYet(
              "too few discovered peers",
              Object.fromEntries(found.map((s, i) => [`h${i + 1}`, s.length])),
            )
          );
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      // Every node sees enough topic peers for a mesh.
      await waitFor(
        "topic peers",
        async () => {
          const counts = await Promise.all(
            nodes.map((n) => n.call("topicPeers", { datanetId: String(DATANET) })),
          );
          return counts.every((c) => c >= 2) || notYet("too few topic peers", counts);
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    });

    it("a contribution published at one host arrives complete and byte-identical at all", async () => {
      const bytes = randomBytes(4 * CHUNK + 777);
      const c = await commitEverywhere(bytes);
      await publish(nodes[3]!, bytes);
      await waitFor("all hosts hold the contribution", allHold(nodes, [c]), {
        timeoutMs: 90_000,
        intervalMs: 500,
      });
    });

    it("a partition that heals: each side keeps what it published, and after healing both sides converge", async () => {
      const sideA = nodes.slice(0, HOSTS / 2);
      const sideB = nodes.slice(HOSTS / 2);
      await lab!.partition([sideA.map((n) => n.host), sideB.map((n) => n.host)]);
      const bytesA = randomBytes(3 * CHUNK + 11);
      const bytesB = randomBytes(2 * CHUNK + 22);
      const a = await commitEverywhere(bytesA);
      const b = await commitEverywhere(bytesB);
      await publish(sideA[1]!, bytesA);
      await publish(sideB[1]!, bytesB);
      await waitFor("side A holds A's contribution", allHold(sideA, [a]), {
        timeoutMs: 90_000,
        intervalMs: 500,
      });
      await waitFor("side B holds B's contribution", allHold(sideB, [b]), {
        timeoutMs: 90_000,
        intervalMs: 500,
      });
      // The partition is real: neither side got the other's contribution meanwhile.
      expect((await holdings(sideA, [b])).flat().some(Boolean)).toBe(false);
      expect((await holdings(sideB, [a])).flat().some(Boolean)).toBe(false);
      await lab!.heal();
      await waitFor("every host holds both contributions after healing", allHold(nodes, [a, b]), {
        timeoutMs: 120_000,
        intervalMs: 500,
      });
    });
  },
);
