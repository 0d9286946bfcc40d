import { describe, expect, it } from "vitest";
import { createAvailabilityWindow } from "./availabilityWindow.ts";

describe("createAvailabilityWindow", () => {
  it("counts data as unavailable only after the grace since its first miss", () => {
    let t = 1_000;
    const w = createAvailabilityWindow({ graceMs: 10_000, now: () => t });
    expect(w.missingLongEnough("a")).toBe(false);
    t += 9_999;
    expect(w.missingLongEnough("a")).toBe(false);
    expect(w.missingLongEnough("b")).toBe(false);
    t += 1;
    expect(w.missingLongEnough("a")).toBe(true);
    expect(w.missingLongEnough("b")).toBe(false);
  });

  it("starts over for data that arrived and went missing again, and bounds what it remembers", () => {
    let t = 0;
    const w = createAvailabilityWindow({ graceMs: 5, now: () => t, maxTracked: 2 });
    w.missingLongEnough("a");
    t = 10;
    w.forget("a");
    expect(w.missingLongEnough("a")).toBe(false);
    w.missingLongEnough("b");
    w.missingLongEnough("c"); // evicts "a", the oldest first miss
    t = 20;
    expect(w.missingLongEnough("a")).toBe(false);
    expect(w.missingLongEnough("c")).toBe(true);
  });

  it("with no grace, a miss counts at once", () => {
    const w = createAvailabilityWindow({ graceMs: 0 });
    expect(w.missingLongEnough("a")).toBe(true);
  });
});
