import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoffDelay.ts";

describe("backoffDelay", () => {
  const options = { initialMs: 100, maxMs: 1_000 };
  it("doubles per failure up to the cap", () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, options, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
  it("jitters within the upper half", () => {
    expect(backoffDelay(3, options, () => 0)).toBe(200);
    expect(backoffDelay(0, options, () => 0)).toBe(50);
  });
});
