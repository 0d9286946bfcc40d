import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { watchIndexCurrent } from "./watchIndexCurrent.ts";

const value = async (common: ReturnType<typeof createTestCommon>, name: string) =>
  (await common.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value;

describe("watchIndexCurrent", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("says whether the index is within maxLagBlocks of the head and exports block, lag and readability", async () => {
    vi.useFakeTimers();
    const common = createTestCommon();
    let indexed: bigint | undefined | Error = 95n;
    let head: bigint | undefined = 100n;
    const current = watchIndexCurrent(common, {
      indexedBlock: async () => {
        if (indexed instanceof Error) throw indexed;
        return indexed;
      },
      head: () => head,
      maxLagBlocks: 10n,
      intervalMs: 1000,
    });
    try {
      expect(current()).toBe(false); // nothing read yet
      await vi.advanceTimersByTimeAsync(1000);
      expect(current()).toBe(true);
      expect(await value(common, "olnode_index_readable")).toBe(1);
      expect(await value(common, "olnode_index_block")).toBe(95);
      expect(await value(common, "olnode_index_lag_blocks")).toBe(5);

      head = 150n;
      await vi.advanceTimersByTimeAsync(1000);
      expect(current()).toBe(false);
      expect(await value(common, "olnode_index_lag_blocks")).toBe(55);

      // The views cannot be read (Postgres down, or no indexer schema yet): not current, not readable.
      indexed = undefined;
      await vi.advanceTimersByTimeAsync(1000);
      expect(current()).toBe(false);
      expect(await value(common, "olnode_index_readable")).toBe(0);
      indexed = new Error("connection refused");
      await vi.advanceTimersByTimeAsync(1000);
      expect(await value(common, "olnode_index_readable")).toBe(0);

      indexed = 150n;
      head = undefined; // the follower has no head yet: readable, but not current
      await vi.advanceTimersByTimeAsync(1000);
      expect(current()).toBe(false);
      expect(await value(common, "olnode_index_readable")).toBe(1);
      expect(await value(common, "olnode_index_block")).toBe(150);
    } finally {
      await common.shutdown.kill();
    }
  });
});
