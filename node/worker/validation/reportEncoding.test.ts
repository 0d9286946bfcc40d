import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { determinismRun } from "../../../test/fixtures/determinismFixture.ts";
import { contextOf, inputOf } from "../../../test/fixtures/validationFixtures.ts";
import { canonicalJson, encodeReport, reportHash } from "./reportEncoding.ts";
import { syntheticText } from "./syntheticText.ts";
import { validateContribution } from "./validateContribution.ts";
import { ValidationInputError } from "./validationErrors.ts";

describe("canonical report encoding", () => {
  it("sorts keys at every depth, writes bigints as decimal strings and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [3n, null, "x"], c: true }, u: undefined })).toBe(
      '{"a":{"c":true,"d":["3",null,"x"]},"b":1}',
    );
    expect(canonicalJson({ é: 1, Z: 2, a: 3 })).toBe('{"Z":2,"a":3,"é":1}');
  });

  it("refuses floats, binary and functions instead of encoding them ambiguously", () => {
    expect(() => canonicalJson({ x: 0.5 })).toThrow(ValidationInputError);
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(ValidationInputError);
    expect(() => canonicalJson(new Uint8Array(2))).toThrow(ValidationInputError);
    expect(() => canonicalJson(() => 1)).toThrow(ValidationInputError);
  });

  it("hashes the encoded bytes with keccak256, and the same report always encodes the same", () => {
    const report = validateContribution(inputOf(syntheticText(4, 200)), contextOf());
    const bytes = encodeReport(report);
    expect(reportHash(report)).toBe(keccak256(bytes));
    expect(encodeReport(validateContribution(inputOf(syntheticText(4, 200)), contextOf()))).toEqual(bytes);
    const parsed = JSON.parse(new TextDecoder().decode(bytes));
    expect(parsed.contributionId).toBe("7");
    expect(parsed.verdict).toBe(1);
  });

  it("gives byte-identical reports in two separate node processes", () => {
    const script = fileURLToPath(new URL("../../../test/fixtures/determinismFixture.ts", import.meta.url));
    const run = () => execFileSync(process.execPath, [script], { encoding: "utf8" }).trim().split("\n");
    const first = run();
    const second = run();
    expect(first).toHaveLength(5);
    expect(second).toEqual(first);
    expect(determinismRun()).toEqual(first);
    // The fixture covers accept, near-duplicate, exact duplicate and low quality.
    const verdicts = first.map((line) =>
      JSON.parse(Buffer.from(line.split(" ")[0]!, "hex").toString()).findings.map(
        (f: { code: string }) => f.code,
      ),
    );
    expect(verdicts).toEqual([[], ["NEAR_DUPLICATE"], ["EXACT_DUPLICATE"], ["LOW_QUALITY"], ["LOW_QUALITY"]]);
  });
});
