import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import { chunkContribution } from "./chunkContribution.ts";
import { CHUNK_HEADER_BYTES, decodeChunkMessage, encodeChunkMessage, peekChunkRoot } from "./chunkMessage.ts";

/** Seeded, so a failing input comes back on every run (mulberry32). */
const random = mulberry32(61);
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
const MAX = 256 * 1024;
const chunked = chunkContribution({
  datanetId: (1n << 200n) + 5n,
  bytes: randomBytes(5 * 1000 + 7),
  chunkBytes: 1000,
});
const sample = chunked.messages[3]!;

describe("chunk message codec", () => {
  it("peekChunkRoot reads the claimed root from the header, and nothing from short or foreign bytes", () => {
    const encoded = encodeChunkMessage(sample);
    expect(peekChunkRoot(encoded)).toBe(chunked.dataRoot);
    expect(peekChunkRoot(encoded.subarray(0, CHUNK_HEADER_BYTES - 1))).toBeUndefined();
    expect(peekChunkRoot(Uint8Array.of(2, ...encoded.subarray(1)))).toBeUndefined();
    expect(peekChunkRoot(new Uint8Array(0))).toBeUndefined();
  });
  it("round-trips every field, including a datanet id beyond 64 bits", () => {
    for (const m of chunked.messages) {
      const decoded = decodeChunkMessage(encodeChunkMessage(m), MAX);
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      expect(decoded.message.datanetId).toBe(m.datanetId);
      expect(decoded.message.index).toBe(m.index);
      expect(decoded.message.count).toBe(6);
      expect(Buffer.from(decoded.message.bytes).equals(m.bytes)).toBe(true);
      expect(decoded.message.proof.map((p) => Buffer.from(p).toString("hex"))).toEqual(
        m.proof.map((p) => Buffer.from(p).toString("hex")),
      );
    }
  });

  it("rejects each kind of malformed input with its own code", () => {
    const good = encodeChunkMessage(sample);
    const mutate = (f: (b: Uint8Array, v: DataView) => void) => {
      const b = Uint8Array.from(good);
      f(b, new DataView(b.buffer));
      return decodeChunkMessage(b, MAX);
    };
    const code = (r: ReturnType<typeof decodeChunkMessage>) => (r.ok ? "OK" : r.code);
    expect(code(decodeChunkMessage(good.subarray(0, 10), MAX))).toBe("TOO_SHORT");
    expect(code(mutate((b) => (b[0] = 2)))).toBe("UNKNOWN_VERSION");
    expect(code(mutate((_, v) => v.setUint32(69, 0)))).toBe("BAD_COUNT");
    expect(code(mutate((_, v) => v.setUint32(65, 6)))).toBe("INDEX_OUT_OF_RANGE");
    expect(code(mutate((b) => (b[CHUNK_HEADER_BYTES - 1] = 7)))).toBe("BAD_PROOF_LENGTH");
    expect(code(decodeChunkMessage(good.subarray(0, good.length - 1), MAX))).toBe("LENGTH_MISMATCH");
    expect(code(decodeChunkMessage(Buffer.concat([good, Buffer.alloc(1)]), MAX))).toBe("LENGTH_MISMATCH");
    expect(code(decodeChunkMessage(good, 999))).toBe("BAD_BYTE_LENGTH");
    expect(code(decodeChunkMessage(new Uint8Array(2 * MAX), MAX))).toBe("TOO_LARGE");
  });

  it("never throws on random or truncated bytes", () => {
    const good = encodeChunkMessage(sample);
    for (let i = 0; i < 2000; i++) {
      const input =
        i % 2
          ? randomBytes(Math.floor(random() * 400))
          : good.subarray(0, Math.floor(random() * good.length));
      const b = new Uint8Array(input);
      if (i % 3 === 0 && b.length > 0) b[0] = 1;
      expect(() => decodeChunkMessage(b, MAX)).not.toThrow();
      expect(decodeChunkMessage(b, MAX).ok).toBe(false);
    }
  });
});
