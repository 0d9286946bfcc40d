import { describe, expect, it } from "vitest";
import { mulberry32 } from "./mulberry32.ts";

describe("mulberry32", () => {
  it("repeats a seed's sequence, differs across seeds and stays in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // Roughly uniform: each tenth of [0, 1) gets 100 ± 50 of 1000 draws.
    const bins = new Array(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]++;
    expect(bins.every((n) => n > 50 && n < 150)).toBe(true);
  });
});
