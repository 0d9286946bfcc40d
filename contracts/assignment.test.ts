import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  AssignmentInputError,
  assignmentHash,
  assignmentThreshold,
  effectiveQuorum,
  isAssigned,
} from "./assignment.ts";
import { SUBJECT_KIND } from "./enums/subjectKind.ts";

const MAX = (1n << 256n) - 1n;
const seed = keccak256(toHex("epoch seed"));
const worker = (i: number) => `0x${(i + 1).toString(16).padStart(40, "0")}` as const;

describe("assignment", () => {
  it("assigns everyone when there are no more workers than k", () => {
    expect(assignmentThreshold(3, 3)).toBe(MAX);
    expect(assignmentThreshold(0, 3)).toBe(MAX);
    expect(
      isAssigned({
        seed,
        kind: SUBJECT_KIND.contribution,
        subjectId: 7n,
        worker: worker(0),
        activeWorkers: 2,
        k: 3,
      }),
    ).toBe(true);
  });

  it("sizes the threshold as floor(max / n) * k", () => {
    expect(assignmentThreshold(10, 3)).toBe((MAX / 10n) * 3n);
    expect(assignmentThreshold(10n, 1n)).toBe(MAX / 10n);
  });

  it("rejects a zero k", () => {
    expect(() => assignmentThreshold(10, 0)).toThrow(AssignmentInputError);
  });

  it("averages k validators per subject over many subjects", () => {
    const n = 20;
    const k = 3;
    const subjects = 1000;
    let total = 0;
    let none = 0;
    for (let s = 0; s < subjects; s++) {
      let assigned = 0;
      for (let w = 0; w < n; w++) {
        if (
          isAssigned({
            seed,
            kind: SUBJECT_KIND.inference,
            subjectId: BigInt(s),
            worker: worker(w),
            activeWorkers: n,
            k,
          })
        ) {
          assigned++;
        }
      }
      total += assigned;
      if (assigned === 0) none++;
    }
    const mean = total / subjects;
    // Binomial(20, 0.15) per subject: the mean of 1000 has a standard error of ~0.05.
    expect(mean).toBeGreaterThan(k - 0.2);
    expect(mean).toBeLessThan(k + 0.2);
    // P(no validator) = 0.85^20 ≈ 3.9 %: those subjects roll over to the next epoch's seed.
    expect(none / subjects).toBeLessThan(0.07);
  });

  it("depends on every input", () => {
    const base = { seed, kind: SUBJECT_KIND.contribution, subjectId: 1n, worker: worker(0) } as const;
    const h = assignmentHash(base);
    expect(assignmentHash({ ...base, kind: SUBJECT_KIND.inference })).not.toBe(h);
    expect(assignmentHash({ ...base, subjectId: 2n })).not.toBe(h);
    expect(assignmentHash({ ...base, worker: worker(1) })).not.toBe(h);
    expect(assignmentHash({ ...base, seed: keccak256(seed) })).not.toBe(h);
    expect(isAssigned({ ...base, threshold: h })).toBe(false);
    expect(isAssigned({ ...base, threshold: h + 1n })).toBe(true);
  });

  it("caps the quorum at the number of active workers", () => {
    expect(effectiveQuorum(0, 2)).toBe(1);
    expect(effectiveQuorum(1, 2)).toBe(1);
    expect(effectiveQuorum(5, 2)).toBe(2);
  });
});
