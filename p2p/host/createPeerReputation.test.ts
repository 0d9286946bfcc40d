import { describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { createPeerPenalties } from "../sync/createPeerPenalties.ts";
import { createPeerBans } from "./createPeerBans.ts";
import { createPeerReputation, misbehaviourPoints } from "./createPeerReputation.ts";

function setup(gossip: Record<string, number> = {}) {
  const penalties = createPeerPenalties({ halfLifeMs: 60_000, now: () => 0 });
  const bans = createPeerBans({ now: () => 0 });
  const hungUp: string[] = [];
  const reputation = createPeerReputation(createTestCommon(), {
    penalties,
    bans,
    // A peer gossipsub knows scores its credit plus P5; one it does not know scores P5 alone.
    gossipScore: (id) => (id in gossip ? gossip[id]! + penalties.score(id) : undefined),
    hangUp: (id) => hungUp.push(id),
    banThreshold: -80,
    banDurationMs: 1_000,
  });
  return { reputation, bans, hungUp };
}

describe("peer reputation", () => {
  it("bans a misbehaving peer once its score falls below the threshold, and hangs up on it", () => {
    const { reputation, bans, hungUp } = setup();
    reputation.report("a", "BAD_RPC", 4); // −80: on the threshold, not below it
    expect(bans.isBanned("a")).toBe(false);
    reputation.report("a", "BAD_RPC");
    expect(bans.isBanned("a")).toBe(true);
    expect(hungUp).toEqual(["a"]);
  });
  it("a forged sync chunk bans at once, whatever credit the peer earned", () => {
    const { reputation, bans } = setup({ rich: 59 });
    reputation.report("rich", "FORGED_SYNC_CHUNK");
    expect(bans.isBanned("rich")).toBe(true);
    expect(59 - misbehaviourPoints.FORGED_SYNC_CHUNK).toBeLessThan(-80);
  });
  it("never bans a peer that did not misbehave, however low gossipsub scores it", () => {
    const { reputation, bans } = setup({ slow: -500 });
    reputation.checkAll();
    expect(bans.isBanned("slow")).toBe(false);
    reputation.rejected("slow");
    expect(bans.isBanned("slow")).toBe(true);
  });
});
