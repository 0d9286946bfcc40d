import { describe, expect, it } from "vitest";
import { bumpFees, initialFees } from "./bumpFees.ts";

const gwei = (n: number) => BigInt(Math.round(n * 1e9));

describe("bumpFees", () => {
  it("raises both fields by 12.5%, rounding up", () => {
    const next = bumpFees(
      { maxFeePerGas: 1001n, maxPriorityFeePerGas: 3n },
      { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n },
      10_000n,
    );
    expect(next).toEqual({ maxFeePerGas: 1127n, maxPriorityFeePerGas: 4n });
  });

  it("jumps to the estimate when the base fee rose further than the bump", () => {
    const next = bumpFees(
      { maxFeePerGas: gwei(3), maxPriorityFeePerGas: gwei(1) },
      { maxFeePerGas: gwei(21), maxPriorityFeePerGas: gwei(1) },
      gwei(100),
    );
    expect(next).toEqual({ maxFeePerGas: gwei(21), maxPriorityFeePerGas: gwei(1.125) });
  });

  it("stops at the cap, and gives up when the cap leaves less than the 10% a node demands", () => {
    const capped = bumpFees(
      { maxFeePerGas: gwei(90), maxPriorityFeePerGas: gwei(1) },
      { maxFeePerGas: gwei(90), maxPriorityFeePerGas: gwei(1) },
      gwei(100),
    );
    expect(capped).toEqual({ maxFeePerGas: gwei(100), maxPriorityFeePerGas: gwei(1.125) });
    expect(
      bumpFees(
        { maxFeePerGas: gwei(95), maxPriorityFeePerGas: gwei(1) },
        { maxFeePerGas: gwei(95), maxPriorityFeePerGas: gwei(1) },
        gwei(100),
      ),
    ).toBeUndefined();
  });

  it("never lets the tip exceed the fee cap", () => {
    const next = bumpFees(
      { maxFeePerGas: gwei(10), maxPriorityFeePerGas: gwei(10) },
      { maxFeePerGas: gwei(1), maxPriorityFeePerGas: gwei(1) },
      gwei(100),
    );
    expect(next!.maxPriorityFeePerGas).toBeLessThanOrEqual(next!.maxFeePerGas);
  });
});

describe("initialFees", () => {
  it("holds the estimate under the cap", () => {
    expect(initialFees({ maxFeePerGas: gwei(300), maxPriorityFeePerGas: gwei(200) }, gwei(100))).toEqual({
      maxFeePerGas: gwei(100),
      maxPriorityFeePerGas: gwei(100),
    });
  });
});
