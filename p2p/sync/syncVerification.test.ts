import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Stream } from "@libp2p/interface";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { hashChunk } from "../../contracts/merkle/chunkTree.ts";
import { createTestNetwork, type TestNetwork } from "../../test/harness/startTestNodes.ts";
import { chunkContribution } from "../chunks/chunkContribution.ts";
import { encodeChunkMessage } from "../chunks/chunkMessage.ts";
import { createMemoryCommitmentSource } from "../commitments/createMemoryCommitmentSource.ts";
import { chunkScoreThresholds, createChunkScoreParams } from "../gossip/scoreParams.ts";
import { createP2PHost, type P2PHost } from "../host/createP2PHost.ts";
import { createPeerBans } from "../host/createPeerBans.ts";
import { loadPeerKey } from "../host/loadPeerKey.ts";
import { readFrames, writeFrame } from "./streamFrames.ts";
import { decodeFetchRequest, FETCH_PROTOCOL, FetchStatus } from "./syncProtocol.ts";

const DATANET = 3n;
const commitments = createMemoryCommitmentSource();
const contribution = chunkContribution({
  datanetId: DATANET,
  bytes: randomBytes(4 * 1024),
  chunkBytes: 1024,
});
let net: TestNetwork;
let liar: P2PHost;

beforeAll(async () => {
  commitments.commit({
    dataRoot: contribution.dataRoot,
    datanetId: DATANET,
    chunkCount: contribution.count,
    byteSize: 4096n,
  });
  net = await createTestNetwork({
    commitments,
    datanets: [DATANET],
    options: { maxChunkBytes: 1024, chunkBytes: 1024 },
  });
  const common = createTestCommon("liar");
  liar = await createP2PHost(common, {
    privateKey: await loadPeerKey(common, join(net.root, "liar", "peer.key")),
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
  // Answers every FETCH with chunks whose bytes were swapped (hash recomputed, so only the proof betrays them).
  await liar.handle(FETCH_PROTOCOL, async (stream: Stream) => {
    for await (const frame of readFrames(stream, 1024)) {
      const request = decodeFetchRequest(frame);
      for (const index of request?.indices ?? []) {
        const real = contribution.messages[index]!;
        const bytes = randomBytes(real.bytes.length);
        const forged = encodeChunkMessage({ ...real, bytes, chunkHash: hashChunk(bytes) });
        await writeFrame(stream, Uint8Array.of(FetchStatus.FOUND, ...forged));
      }
      await stream.close();
      return;
    }
  });
});
afterAll(async () => {
  await liar?.stop();
  await net?.stop();
});

describe("sync verification", () => {
  it("never stores a forged chunk from sync, penalises the liar, and completes from an honest peer", async () => {
    const honest = await net.start("honest");
    for (const m of contribution.messages) await honest.store.putChunk(m);
    const joiner = await net.start("joiner");
    await joiner.dial(liar.getMultiaddrs()[0]!.toString());

    const first = await joiner.backfill(contribution.dataRoot);
    expect(first.missing).toEqual([0, 1, 2, 3]);
    expect(await joiner.store.getContribution(contribution.dataRoot)).toBeUndefined();
    // One forged chunk is proof of lying: FORGED_SYNC_CHUNK (150 points through P5) bans the server at once,
    // on every node it lies to, whatever credit it had.
    expect(joiner.peerScore(liar.peerId.toString())).toBeLessThan(chunkScoreThresholds.graylistThreshold);
    expect(joiner.isBanned(liar.peerId.toString())).toBe(true);
    const second = await net.start("joiner2");
    await second.dial(liar.getMultiaddrs()[0]!.toString());
    expect((await second.backfill(contribution.dataRoot)).missing).toEqual([0, 1, 2, 3]);
    expect(second.isBanned(liar.peerId.toString())).toBe(true);

    await joiner.dial(honest.multiaddrs()[0]!);
    const again = await joiner.backfill(contribution.dataRoot);
    expect(again.missing).toEqual([]);
    const bytes = await joiner.getContribution(contribution.dataRoot);
    expect(Buffer.from(bytes!).equals(Buffer.concat(contribution.messages.map((m) => m.bytes)))).toBe(true);
    expect((await joiner.store.verifyIntegrity()).ok).toBe(true);
  });
});
