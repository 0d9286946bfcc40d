import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chunkContribution } from "../chunks/chunkContribution.ts";
import { encodeChunkMessage } from "../chunks/chunkMessage.ts";
import type { Commitment } from "../commitments/commitmentSource.ts";
import { checkChunkCommitment, checkChunkStructure } from "./validateChunk.ts";

const MAX = 1024;
const c = chunkContribution({ datanetId: 9n, bytes: randomBytes(5000), chunkBytes: 1000 });
const commitment: Commitment = { dataRoot: c.dataRoot, datanetId: 9n, chunkCount: 5, byteSize: 5000n };
const encode = encodeChunkMessage;

function validate(data: Uint8Array, lookup: Commitment | null = commitment, topic = 9n) {
  const s = checkChunkStructure(data, { maxChunkBytes: MAX, datanetId: topic });
  if (!s.ok) return s.result;
  return checkChunkCommitment(
    s.message,
    s.dataRoot,
    lookup ? { found: true, commitment: lookup } : { found: false },
  );
}
const outcome = (v: ReturnType<typeof validate>) =>
  v.action === "ACCEPT" ? "ACCEPT" : `${v.action} ${v.code}`;

describe("chunk validation", () => {
  const m = c.messages[2]!;
  it("accepts a chunk whose bytes, proof and commitment all agree", () => {
    expect(outcome(validate(encode(m)))).toBe("ACCEPT");
  });
  it("rejects forged content, proofs and shapes with typed codes", () => {
    const flipped = Uint8Array.from(m.bytes);
    flipped[0]! ^= 1;
    expect(outcome(validate(encode({ ...m, bytes: flipped })))).toBe("REJECT BAD_CHUNK_HASH");
    const badProof = m.proof.map((p) => Uint8Array.from(p));
    badProof[0]![0]! ^= 1;
    expect(outcome(validate(encode({ ...m, proof: badProof })))).toBe("REJECT BAD_PROOF");
    // Right bytes and hash, wrong position: the leaf binds the index.
    expect(outcome(validate(encode({ ...m, index: 3, proof: c.messages[3]!.proof })))).toBe(
      "REJECT BAD_PROOF",
    );
    expect(outcome(validate(encode(m), commitment, 8n))).toBe("REJECT WRONG_TOPIC");
    expect(outcome(validate(randomBytes(300)))).toBe("REJECT MALFORMED");
    expect(outcome(validate(encode({ ...m, bytes: randomBytes(MAX + 1) })))).toBe("REJECT MALFORMED");
    expect(outcome(validate(encode(m), { ...commitment, datanetId: 8n }))).toBe("REJECT DATANET_MISMATCH");
    expect(outcome(validate(encode(m), { ...commitment, chunkCount: 6 }))).toBe("REJECT COUNT_MISMATCH");
    expect(outcome(validate(encode(m), { ...commitment, maxChunkBytes: 500 }))).toBe(
      "REJECT CHUNK_TOO_LARGE",
    );
  });
  it("ignores chunks of unknown or rejected roots instead of blaming the sender", () => {
    expect(outcome(validate(encode(m), null))).toBe("IGNORE ROOT_UNKNOWN");
    expect(outcome(validate(encode(m), { ...commitment, status: "rejected" }))).toBe(
      "IGNORE CONTRIBUTION_REJECTED",
    );
    const s = checkChunkStructure(encode(m), { maxChunkBytes: MAX });
    if (!s.ok) throw new Error("structure");
    expect(
      checkChunkCommitment(s.message, s.dataRoot, { found: false, error: new Error("rpc down") }),
    ).toMatchObject({
      action: "IGNORE",
      code: "COMMITMENT_UNAVAILABLE",
    });
  });
});
