import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./createRateLimiter.ts";

describe("rate limiter", () => {
  it("allows a burst, then the refill rate, per key", () => {
    let now = 0;
    const limiter = createRateLimiter({ ratePerSecond: 10, burst: 20, now: () => now });
    expect(limiter.take("a", 20)).toBe(true);
    expect(limiter.take("a", 1)).toBe(false);
    expect(limiter.take("b", 5)).toBe(true);
    now += 500;
    expect(limiter.take("a", 5)).toBe(true);
    expect(limiter.take("a", 1)).toBe(false);
  });
  it("forgets keys beyond its bound instead of growing", () => {
    const limiter = createRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 2, now: () => 0 });
    expect(limiter.take("a", 1) && limiter.take("b", 1) && limiter.take("c", 1)).toBe(true);
  });
});
