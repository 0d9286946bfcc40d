import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Common, createTestCommon } from "../../config/common/createCommon.ts";
import type { CommitmentSource } from "../../p2p/commitments/commitmentSource.ts";
import { createP2PNode, type P2PNode } from "../../p2p/createP2PNode.ts";
import { chunkTopic } from "../../p2p/gossip/chunkTopic.ts";
import type { P2POptions } from "../../p2p/options.ts";

/**
 * Real libp2p nodes on loopback with real LevelDB stores in a temp dir, for tests and benchmarks. Timers are
 * shortened so backfill and re-checks happen within a test's patience; everything else is production config.
 */
export const testOptions: Partial<P2POptions> = {
  listen: ["/ip4/127.0.0.1/tcp/0"],
  ipColocationWhitelist: ["127.0.0.1"],
  backfillDelayMs: 300,
  pendingRecheckMs: 500,
  sweepIntervalMs: 2_000,
  // Tests wire their topology by hand (connectChain); those about discovery turn peer exchange on.
  peerExchange: false,
};

export type TestNode = P2PNode & { common: Common; dir: string; name: string };

export type TestNetwork = {
  root: string;
  nodes: TestNode[];
  start(name: string, overrides?: Partial<P2POptions>, dir?: string): Promise<TestNode>;
  /** Stops one node (keeping its directory, so it can be started again from the same key and store). */
  stopNode(node: TestNode): Promise<void>;
  stop(): Promise<void>;
};

export async function createTestNetwork(parameters: {
  commitments: CommitmentSource;
  datanets: bigint[];
  options?: Partial<P2POptions>;
}): Promise<TestNetwork> {
  const root = await mkdtemp(join(tmpdir(), "olnode-p2p-"));
  const nodes: TestNode[] = [];
  const network: TestNetwork = {
    root,
    nodes,
    async start(name, overrides = {}, dir = join(root, name)) {
      const common = createTestCommon(name);
      const node = await createP2PNode(common, {
        options: {
          ...testOptions,
          ...parameters.options,
          ...overrides,
          keyPath: join(dir, "peer.key"),
          storePath: join(dir, "chunks"),
        },
        commitments: parameters.commitments,
        datanets: parameters.datanets,
      });
      const t = Object.assign(node, { common, dir, name });
      nodes.push(t);
      return t;
    },
    async stopNode(node) {
      nodes.splice(nodes.indexOf(node), 1);
      await node.stop();
    },
    async stop() {
      await Promise.all(nodes.splice(0).map((n) => n.stop().catch(() => undefined)));
      await rm(root, { recursive: true, force: true });
    },
  };
  return network;
}

/** Dials each node to `degree` earlier nodes (a connected, not fully meshed graph). */
export async function connectChain(nodes: readonly P2PNode[], degree = 3): Promise<void> {
  for (let i = 1; i < nodes.length; i++) {
    for (let k = 1; k <= Math.min(degree, i); k++) await nodes[i]!.dial(nodes[i - k]!.multiaddrs()[0]!);
  }
}

/**
 * Polls `condition` every `intervalMs` until true, or throws after `timeoutMs` with `what` in the message. The
 * timeout is a budget, not a speed check: generous, so a loaded 2-core CI machine does not run out of it.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits until every node sees at least `min` peers subscribed to the Datanet's topic (mesh can form). */
export function waitForTopicPeers(nodes: readonly P2PNode[], datanetId: bigint, min = 1): Promise<void> {
  const topic = chunkTopic(datanetId);
  return waitFor(`topic peers on ${topic}`, () =>
    nodes.every((n) => n.host.services.pubsub.getSubscribers(topic).length >= min),
  );
}
