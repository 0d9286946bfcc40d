import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../config/common/mulberry32.ts";
import { AdmissionRefusedError, createAdmission } from "./createAdmission.ts";

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe("createAdmission", () => {
  it("runs at most `concurrency` at once, queues up to `queue` in order, refuses the next with Retry-After", async () => {
    const admission = createAdmission({ name: "expensive GraphQL", concurrency: 1, queue: 2 });
    const order: number[] = [];
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      admission.run(async () => {
        order.push(i);
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(admission.running).toBe(1);
    expect(admission.waiting).toBe(2);
    const refused = await admission.run(async () => 99).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AdmissionRefusedError);
    expect((refused as AdmissionRefusedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((refused as AdmissionRefusedError).message).toMatch(
      /1 expensive GraphQL queries are running and 2 are waiting/,
    );
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(order).toEqual([0, 1, 2]);
    expect(admission.running).toBe(0);
  });

  it("lets a waiter whose signal aborts leave the line, and gives the slot back when work throws", async () => {
    const admission = createAdmission({ name: "lane", concurrency: 1, queue: 4 });
    const g = gate();
    const first = admission.run(() => g.opened.then(() => Promise.reject(new Error("boom"))));
    const controller = new AbortController();
    const second = admission.run(async () => "never", controller.signal).catch((e: unknown) => e);
    const third = admission.run(async () => "third");
    controller.abort(new Error("deadline"));
    expect(((await second) as Error).message).toBe("deadline");
    expect(admission.waiting).toBe(1);
    g.open();
    await expect(first).rejects.toThrow("boom");
    expect(await third).toBe("third");
    expect(admission.running).toBe(0);
    expect(admission.waiting).toBe(0);
  });

  it("never exceeds its bounds and finishes every admitted run, over random arrivals and aborts", async () => {
    const random = mulberry32(19);
    for (let round = 0; round < 20; round++) {
      const concurrency = 1 + Math.floor(random() * 3);
      const queue = Math.floor(random() * 4);
      const admission = createAdmission({ name: "lane", concurrency, queue });
      let active = 0;
      let peak = 0;
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, async () => {
          await new Promise((r) => setTimeout(r, Math.floor(random() * 5)));
          const controller = new AbortController();
          if (random() < 0.2) setTimeout(() => controller.abort(new Error("gone")), Math.floor(random() * 5));
          return admission
            .run(async () => {
              active++;
              peak = Math.max(peak, active);
              expect(admission.waiting).toBeLessThanOrEqual(queue);
              await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
              active--;
              return "ran";
            }, controller.signal)
            .catch((e: unknown) => (e instanceof AdmissionRefusedError ? "refused" : "aborted"));
        }),
      );
      expect(peak).toBeLessThanOrEqual(concurrency);
      expect(outcomes).toContain("ran");
      expect(admission.running).toBe(0);
      expect(admission.waiting).toBe(0);
    }
  });
});

describe("createAdmission: maxBusyShare", () => {
  it("rests after each run so the lane is busy at most its share of the time", async () => {
    const admission = createAdmission({ name: "lane", concurrency: 1, queue: 10, maxBusyShare: 0.5 });
    const spans: [number, number][] = [];
    await Promise.all(
      Array.from({ length: 4 }, () =>
        admission.run(async () => {
          const start = performance.now();
          await new Promise((r) => setTimeout(r, 30));
          spans.push([start, performance.now()]);
        }),
      ),
    );
    // Each start comes at least as long after the previous end as that run took (timers may fire ~1 ms early).
    for (let i = 1; i < spans.length; i++) {
      const [prevStart, prevEnd] = spans[i - 1]!;
      expect(spans[i]![0] - prevEnd).toBeGreaterThanOrEqual(prevEnd - prevStart - 2);
    }
    // A request arriving while the lane only rests waits for the rest, then runs.
    expect(await admission.run(async () => "after rest")).toBe("after rest");
  });
});
