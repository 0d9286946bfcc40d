import { describe, expect, it } from "vitest";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { ChunkMessage } from "../chunks/chunkMessage.ts";
import { createPendingChunks } from "./createPendingChunks.ts";

const msg = (index: number) => ({ index }) as ChunkMessage;
const chunk = (root: string, index: number, receivedAt = 0) => ({
  message: msg(index),
  dataRoot: root as Hash,
  size: 100,
  receivedAt,
});

describe("pending chunks", () => {
  it("is bounded by messages and bytes, dedupes (root, index), and hands back a root's chunks once", () => {
    const p = createPendingChunks({ maxMessages: 3, maxBytes: 1_000, ttlMs: 1_000 });
    expect(p.add(chunk("0xa", 0))).toBe(true);
    expect(p.add(chunk("0xa", 0))).toBe(true);
    expect(p.add(chunk("0xa", 1))).toBe(true);
    expect(p.add(chunk("0xb", 0))).toBe(true);
    expect(p.add(chunk("0xc", 0))).toBe(false);
    expect(p.size()).toEqual({ messages: 3, bytes: 300 });
    expect(p.take("0xa" as Hash).map((c) => c.message.index)).toEqual([0, 1]);
    expect(p.take("0xa" as Hash)).toEqual([]);
    const bytes = createPendingChunks({ maxMessages: 100, maxBytes: 250, ttlMs: 1_000 });
    expect(bytes.add(chunk("0xa", 0)) && bytes.add(chunk("0xa", 1))).toBe(true);
    expect(bytes.add(chunk("0xa", 2))).toBe(false);
  });
  it("expires chunks past the TTL", () => {
    const p = createPendingChunks({ maxMessages: 10, maxBytes: 10_000, ttlMs: 1_000 });
    p.add(chunk("0xa", 0, 0));
    p.add(chunk("0xb", 0, 900));
    expect(p.expire(1_500)).toBe(1);
    expect(p.roots()).toEqual(["0xb"]);
  });
});
