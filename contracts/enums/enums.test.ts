import { describe, expect, it } from "vitest";
import { datanetRegistryAbi, epochManagerAbi } from "../generated/index.ts";
import {
  CONTRIBUTION_STATUS,
  contributionStatuses,
  decodeContributionStatus,
  parseContributionStatus,
} from "./contributionStatus.ts";
import { decodeInferenceStatus, INFERENCE_STATUS, parseInferenceStatus } from "./inferenceStatus.ts";
import { decodePointsReason } from "./pointsReason.ts";
import { decodeSubjectKind, SUBJECT_KIND } from "./subjectKind.ts";
import { decodeVerdict, VERDICT } from "./verdict.ts";

const constantNames = epochManagerAbi.flatMap((i) =>
  i.type === "function" && i.inputs.length === 0 ? [i.name] : [],
);

describe("protocol enums", () => {
  it("decode every uint8 to a name, round-trip the contract's codes, and never throw", () => {
    for (const s of contributionStatuses) expect(decodeContributionStatus(CONTRIBUTION_STATUS[s])).toBe(s);
    for (const s of ["recorded", "verified", "disputed"] as const)
      expect(decodeInferenceStatus(INFERENCE_STATUS[s])).toBe(s);
    for (let n = 0; n < 256; n++) {
      expect(contributionStatuses).toContain(decodeContributionStatus(n));
      expect(["recorded", "verified", "disputed"]).toContain(decodeInferenceStatus(BigInt(n)));
      expect(["agree", "dissent", "heartbeat"]).toContain(decodePointsReason(n));
      expect(decodeSubjectKind(n)).toBe(n <= 1 ? n : undefined);
      expect(decodeVerdict(n)).toBe(n === 1 || n === 2 ? n : undefined);
    }
    // None (0) promises nothing: pending / recorded.
    expect(decodeContributionStatus(0)).toBe("pending");
    expect(decodeInferenceStatus(0)).toBe("recorded");
  });

  it("parse stored names and refuse anything else", () => {
    expect(parseContributionStatus("accepted")).toBe("accepted");
    expect(parseContributionStatus("Accepted")).toBeUndefined();
    expect(parseContributionStatus("none")).toBeUndefined();
    expect(parseInferenceStatus("disputed")).toBe("disputed");
    expect(parseInferenceStatus("")).toBeUndefined();
  });

  it("name the constants and enum the contracts declare", () => {
    expect(constantNames).toEqual(
      expect.arrayContaining(["KIND_CONTRIBUTION", "KIND_INFERENCE", "VERDICT_ACCEPT", "VERDICT_REJECT"]),
    );
    expect(SUBJECT_KIND).toEqual({ contribution: 0, inference: 1 });
    expect(VERDICT).toEqual({ accept: 1, reject: 2 });
    const override = datanetRegistryAbi.find(
      (i) => i.type === "function" && i.name === "overrideContribution",
    );
    expect(override && "inputs" in override && override.inputs[1]?.internalType).toBe(
      "enum IDatanetRegistry.ContributionStatus",
    );
  });
});
