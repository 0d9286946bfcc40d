import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toHex } from "../../contracts/merkle/chunkTree.ts";
import {
  decodeDatanetId,
  decodeFetchRequest,
  decodeHaveResponse,
  encodeDatanetId,
  encodeFetchRequest,
  encodeHaveResponse,
  MAX_FETCH_INDICES,
} from "./syncProtocol.ts";

describe("sync protocol frames", () => {
  const dataRoot = toHex(randomBytes(32));
  it("round-trips requests and responses", () => {
    expect(decodeFetchRequest(encodeFetchRequest({ dataRoot, indices: [0, 7, 2 ** 32 - 1] }))).toEqual({
      dataRoot,
      indices: [0, 7, 2 ** 32 - 1],
    });
    expect(decodeDatanetId(encodeDatanetId(2n ** 255n + 3n))).toBe(2n ** 255n + 3n);
    const entries = [{ dataRoot, present: 3, count: 9 }];
    expect(decodeHaveResponse(encodeHaveResponse(entries), 10)).toEqual(entries);
  });
  it("refuses malformed or oversized frames", () => {
    const many = Array.from({ length: MAX_FETCH_INDICES + 1 }, (_, i) => i);
    expect(decodeFetchRequest(encodeFetchRequest({ dataRoot, indices: many }))).toBeUndefined();
    expect(decodeFetchRequest(encodeFetchRequest({ dataRoot, indices: [] }))).toBeUndefined();
    expect(decodeFetchRequest(randomBytes(37))).toBeUndefined();
    // Duplicate indices: a 1 KB request must not buy the same chunk 256 times.
    expect(decodeFetchRequest(encodeFetchRequest({ dataRoot, indices: [0, 0] }))).toBeUndefined();
    expect(decodeFetchRequest(encodeFetchRequest({ dataRoot, indices: [5, 1, 5] }))).toBeUndefined();
    expect(decodeDatanetId(randomBytes(31))).toBeUndefined();
    const entries = Array.from({ length: 5 }, () => ({ dataRoot, present: 1, count: 1 }));
    expect(decodeHaveResponse(encodeHaveResponse(entries), 4)).toBeUndefined();
    expect(decodeHaveResponse(randomBytes(47), 4)).toBeUndefined();
  });
});
