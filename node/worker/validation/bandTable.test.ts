import { describe, expect, it } from "vitest";
import { createBandTable } from "./bandTable.ts";

describe("createBandTable", () => {
  it("finds every entry sharing a band key, across growth, and nothing else", () => {
    const table = createBandTable(2);
    // Entry e has keys [e % 100, 1_000_000 + e]: band 0 groups every 100th entry, band 1 is unique.
    const n = 3000;
    for (let e = 0; e < n; e++) table.insert(e, Uint32Array.of(e % 100, 1_000_000 + e));
    const found = new Set<number>();
    table.forEachCandidate(Uint32Array.of(42, 1_000_000 + 7), (e) => found.add(e));
    const expected = new Set([7, ...Array.from({ length: n / 100 }, (_, i) => 42 + i * 100)]);
    expect(found).toEqual(expected);
    const none: number[] = [];
    table.forEachCandidate(Uint32Array.of(0xffffffff, 5), (e) => none.push(e));
    expect(none).toEqual([]);
  });

  it("insists on entries in order", () => {
    const table = createBandTable(1);
    expect(() => table.insert(1, Uint32Array.of(1))).toThrow(RangeError);
  });
});
