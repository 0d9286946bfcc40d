import { afterAll, describe, expect, it } from "vitest";
import { createTestNetwork, type TestNetwork, type TestNode } from "../../test/harness/startTestNodes.ts";
import { notYet, waitFor } from "../../test/harness/waitFor.ts";
import { createMemoryCommitmentSource } from "../commitments/createMemoryCommitmentSource.ts";

/**
 * Real libp2p nodes on loopback: nodes told only one bootstrap address find the others through peer exchange.
 * (Across network namespaces with delayed, lossy links: test/p2p/wan.e2e.test.ts.)
 */
let net: TestNetwork | undefined;
afterAll(async () => {
  await net?.stop();
});

describe("peer exchange", () => {
  it("nodes that know only a bootstrap node end up connected to peers nobody told them about", async () => {
    net = await createTestNetwork({ commitments: createMemoryCommitmentSource(), datanets: [1n] });
    const discovery = { peerExchange: true, peerExchangeIntervalMs: 1_000, targetPeers: 4 };
    const bootstrap = await net.start("bootstrap", discovery);
    const others: TestNode[] = [];
    for (let i = 0; i < 5; i++)
      others.push(await net.start(`node${i}`, { ...discovery, bootstrap: [bootstrap.multiaddrs()[0]!] }));
    const strangers = (n: TestNode) => n.connectedPeers().filter((p) => p !== bootstrap.peerId);
    await waitFor("every node connected to 2 peers besides the bootstrap node", () => {
      const seen = Object.fromEntries(others.map((n) => [n.name, strangers(n).length]));
      return others.every((n) => strangers(n).length >= 2) || notYet("too few discovered peers", seen);
    });
    for (const n of others) expect(strangers(n).length).toBeGreaterThanOrEqual(2);
  });
});
