import { parseEther } from "viem";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { watchAccountBalance } from "./watchAccountBalance.ts";

const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("watchAccountBalance", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("exports the account's balance in OPEN at once and every interval, keeping the last on a failed read", async () => {
    vi.useFakeTimers();
    const common = createTestCommon();
    let balance: bigint | Error = parseEther("1.25");
    const asked: string[] = [];
    const watch = watchAccountBalance(common, {
      client: {
        getBalance: async ({ address }) => {
          asked.push(address);
          if (balance instanceof Error) throw balance;
          return balance;
        },
      },
      address: ACCOUNT,
      intervalMs: 1000,
    });
    const gauge = async () =>
      (await common.metrics.registry.getSingleMetric("olnode_worker_balance_open")!.get()).values[0]?.value;
    try {
      await vi.advanceTimersByTimeAsync(0);
      expect(watch.balance()).toBe(parseEther("1.25"));
      expect(await gauge()).toBe(1.25);
      expect(asked).toEqual([ACCOUNT]);

      balance = parseEther("0.000000001"); // 1 gwei: a float keeps it
      await vi.advanceTimersByTimeAsync(1000);
      expect(await gauge()).toBe(1e-9);

      balance = new Error("fetch failed");
      await vi.advanceTimersByTimeAsync(1000);
      expect(watch.balance()).toBe(parseEther("0.000000001"));
      expect(await gauge()).toBe(1e-9);

      balance = 0n;
      await vi.advanceTimersByTimeAsync(1000);
      expect(await gauge()).toBe(0);
      expect(asked).toHaveLength(4);
    } finally {
      await common.shutdown.kill();
    }
    // Stopped with the node: no read after shutdown.
    await vi.advanceTimersByTimeAsync(5000);
    expect(asked).toHaveLength(4);
  });
});
