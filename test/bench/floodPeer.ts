/**
 * A flooding peer for `p2p.flood`, run as its own process so its CPU and memory are not the honest node's:
 *   node test/bench/floodPeer.ts <target multiaddr> <seconds> <datanetId>
 * Sends well-formed chunk messages (valid proofs) under fresh, never-committed roots as fast as the target's
 * connection takes them, 16 per RPC on a raw /meshsub stream. When the target bans it, it comes back as a new
 * identity (identities are free), at most 200 times. Prints one JSON line with what it sent, then exits.
 */
import { chunkContribution } from "../../p2p/chunks/chunkContribution.ts";
import { encodeChunkMessage } from "../../p2p/chunks/chunkMessage.ts";
import { chunkTopic } from "../../p2p/gossip/chunkTopic.ts";
import { encodeRawRpc, startHostilePeer } from "../harness/hostilePeer.ts";

const [target, secondsArg, datanetArg] = process.argv.slice(2);
if (!target) throw new Error("usage: floodPeer.ts <target multiaddr> <seconds> <datanetId>");
const end = Date.now() + Number(secondsArg ?? 30) * 1000;
const datanetId = BigInt(datanetArg ?? 1);
const topic = chunkTopic(datanetId);
let sent = 0;
let identities = 0;
let counter = 0;

const report = () => process.stdout.write(`${JSON.stringify({ sent, identities })}\n`);
process.once("SIGTERM", () => {
  report();
  process.exit(0);
});

function junk(): Uint8Array {
  const bytes = Buffer.alloc(64);
  bytes.writeUInt32BE(counter++, 0);
  bytes.writeUInt32BE(process.pid, 4);
  bytes.writeDoubleBE(Math.random(), 8);
  return encodeChunkMessage(chunkContribution({ datanetId, bytes, chunkBytes: 64 }).messages[0]!);
}

while (Date.now() < end && identities < 200) {
  identities++;
  const peer = await startHostilePeer();
  try {
    await peer.dial(target);
    // Give the target's identify and gossipsub a moment to take us as a peer (it ignores streams before).
    await new Promise((r) => setTimeout(r, 500));
    const s = await peer.meshsub(target);
    while (Date.now() < end && peer.host.getConnections().length > 0) {
      await s.frame(encodeRawRpc({ messages: Array.from({ length: 16 }, () => ({ topic, data: junk() })) }));
      sent += 16;
    }
  } catch {
    // cut off: come back as someone else
  } finally {
    await peer.stop().catch(() => undefined);
  }
}
report();
process.exit(0);
