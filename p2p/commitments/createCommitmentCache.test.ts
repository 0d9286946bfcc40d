import { describe, expect, it } from "vitest";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { Commitment, CommitmentSource } from "./commitmentSource.ts";
import { createCommitmentCache } from "./createCommitmentCache.ts";

const root = `0x${"ab".repeat(32)}` as Hash;
const commitment = (status: Commitment["status"]): Commitment => ({
  dataRoot: root,
  datanetId: 1n,
  chunkCount: 2,
  byteSize: 10n,
  status,
});

/** A source whose answers the test releases by hand, to interleave them with pushed changes. */
function controlledSource() {
  const pending: ((c: Commitment | undefined) => void)[] = [];
  let calls = 0;
  const source: CommitmentSource = {
    getCommitment: () => {
      calls++;
      return new Promise((resolve) => pending.push(resolve));
    },
  };
  return { source, answer: (c: Commitment | undefined) => pending.shift()!(c), calls: () => calls };
}

const limits = (maxEntries: number, now?: () => number) => ({
  maxEntries,
  negativeTtlMs: 1_000,
  maxNegativeEntries: 2,
  now,
});

describe("createCommitmentCache", () => {
  it("replaces a cached commitment on every pushed change, and forgets a removed root", async () => {
    const s = controlledSource();
    const cache = createCommitmentCache(s.source, limits(10));
    const first = cache.lookup(root);
    s.answer(commitment("accepted"));
    expect(await first).toEqual({ found: true, commitment: commitment("accepted") });
    cache.remember(commitment("rejected"));
    expect(await cache.lookup(root)).toEqual({ found: true, commitment: commitment("rejected") });
    expect(s.calls()).toBe(1);
    cache.forget(root);
    const again = cache.lookup(root);
    expect(s.calls()).toBe(2);
    s.answer(undefined);
    expect(await again).toEqual({ found: false });
  });

  it("does not let an answer read before a pushed change overwrite it", async () => {
    const s = controlledSource();
    const cache = createCommitmentCache(s.source, limits(10));
    const stale = cache.lookup(root);
    cache.remember(commitment("rejected")); // the change arrives while the lookup is in flight
    s.answer(commitment("accepted")); // ...and the lookup answers with what it read before
    expect(await stale).toEqual({ found: true, commitment: commitment("rejected") });
    expect(await cache.lookup(root)).toEqual({ found: true, commitment: commitment("rejected") });
    const removed = cache.lookup(`0x${"cd".repeat(32)}` as Hash);
    cache.forget(`0x${"cd".repeat(32)}` as Hash);
    s.answer({ ...commitment("pending"), dataRoot: `0x${"cd".repeat(32)}` as Hash });
    expect(await removed).toEqual({ found: false });
  });

  it("keeps at most maxEntries roots, oldest out first", async () => {
    const cache = createCommitmentCache({ getCommitment: async () => undefined }, limits(2));
    const r = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as Hash;
    for (let i = 1; i <= 3; i++) cache.remember({ ...commitment("pending"), dataRoot: r(i) });
    expect((await cache.lookup(r(1))).found).toBe(false);
    expect((await cache.lookup(r(3))).found).toBe(true);
  });

  it("asks the source once per unknown root per TTL, however many lookups, and a pushed commitment wins", async () => {
    let t = 0;
    let calls = 0;
    const cache = createCommitmentCache(
      {
        getCommitment: async () => {
          calls++;
          return undefined;
        },
      },
      limits(10, () => t),
    );
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.lookup(root)));
    expect(answers.every((a) => !a.found)).toBe(true);
    expect(await cache.lookup(root)).toEqual({ found: false });
    expect(calls).toBe(1);
    expect(cache.peek(root)).toBe("unknown");
    t = 1_001;
    expect(cache.peek(root)).toBeUndefined();
    await cache.lookup(root);
    expect(calls).toBe(2);
    cache.remember(commitment("pending"));
    expect(cache.peek(root)).toBe("committed");
    expect((await cache.lookup(root)).found).toBe(true);
    // The negative entries are bounded: a flood of fresh roots forgets the oldest answers.
    const r = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as Hash;
    for (let i = 1; i <= 5; i++) await cache.lookup(r(i));
    expect([1, 2, 3, 4, 5].map((i) => cache.peek(r(i)))).toEqual([
      undefined,
      undefined,
      undefined,
      "unknown",
      "unknown",
    ]);
  });
});
