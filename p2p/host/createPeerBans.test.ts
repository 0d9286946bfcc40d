import { describe, expect, it } from "vitest";
import type { StoredBan } from "../store/createChunkStore.ts";
import { createPeerBans } from "./createPeerBans.ts";

describe("peer bans", () => {
  it("writes every ban through, starts from the persisted ones, and lets them expire", async () => {
    let t = 0;
    const written = new Map<string, StoredBan>();
    const persistence = {
      putBan: async (b: StoredBan) => void written.set(b.peerId, b),
      deleteBan: async (peerId: string) => void written.delete(peerId),
    };
    const bans = createPeerBans({ now: () => t, persistence });
    bans.ban("a", 1_000, "flood");
    bans.ban("a", 10, "shorter"); // a shorter ban does not shorten the one in force
    bans.ban("b", 5_000);
    await Promise.resolve();
    expect([...written.values()]).toEqual([
      { peerId: "a", untilMs: 1_000, reason: "flood" },
      { peerId: "b", untilMs: 5_000, reason: "" },
    ]);
    // A restart: a new list from what was written.
    const restarted = createPeerBans({ now: () => t, initial: [...written.values()], persistence });
    expect(restarted.isBanned("a") && restarted.isBanned("b")).toBe(true);
    t = 1_000;
    expect(restarted.isBanned("a")).toBe(false);
    await Promise.resolve();
    expect(written.has("a")).toBe(false);
    restarted.unban("b");
    await Promise.resolve();
    expect(restarted.list()).toEqual([]);
    expect(written.size).toBe(0);
  });
  it("is bounded: past maxBans the ban ending soonest goes", () => {
    const bans = createPeerBans({ now: () => 0, maxBans: 2 });
    bans.ban("a", 100);
    bans.ban("b", 50);
    bans.ban("c", 200);
    expect(bans.list().map((b) => b.peerId)).toEqual(["a", "c"]);
  });
});
