import { describe, expect, it } from "vitest";
import { VERDICT } from "../../../contracts/enums/verdict.ts";
import { computeDataRoot } from "../../../contracts/merkle/chunkTree.ts";
import { contextOf, inputOf } from "../../../test/fixtures/validationFixtures.ts";
import { createNearDuplicateIndex } from "./nearDuplicateIndex.ts";
import { reportHash } from "./reportEncoding.ts";
import { createRandom, syntheticText } from "./syntheticText.ts";
import { validateContribution } from "./validateContribution.ts";
import type { ContributionInput, ValidationReport } from "./validationTypes.ts";

const jsonlContext = (requiredFields: string[] = ["text"]) =>
  contextOf({ datanet: { format: "jsonl", maxChunkBytes: 1 << 20, requiredFields } });

/** Validates and checks the report is a well-formed reject with a reason; never throws. */
function rejectsCleanly(input: ContributionInput, context = contextOf()): ValidationReport {
  let report: ValidationReport | undefined;
  expect(() => {
    report = validateContribution(input, context);
  }).not.toThrow();
  expect(report!.verdict).toBe(VERDICT.reject);
  expect(report!.findings.length).toBeGreaterThan(0);
  expect(reportHash(report!)).toMatch(/^0x[0-9a-f]{64}$/);
  return report!;
}

describe("hostile contributions never throw and always reject with a reason", () => {
  it("random bytes", () => {
    const random = createRandom(1);
    for (let n = 0; n < 5; n++) {
      const bytes = Uint8Array.from({ length: 3000 }, () => Math.floor(random() * 256));
      const report = rejectsCleanly(
        inputOf(bytes, {}, 1 << 20),
        contextOf({ datanet: { format: "text", maxChunkBytes: 1 << 20 } }),
      );
      expect(report.findings.map((f) => f.code)).toContain("INVALID_UTF8");
    }
  });

  it("overlong and surrogate UTF-8 encodings", () => {
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
    ]) {
      const text = new TextEncoder().encode(syntheticText(1, 100));
      const report = rejectsCleanly(inputOf(Uint8Array.from([...text, ...bad])));
      expect(report.findings.map((f) => f.code)).toEqual(["INVALID_UTF8"]);
    }
  });

  it("one huge line: 1 MiB of text without a newline, and a 1 MiB JSON string", () => {
    const line = "a".repeat(1 << 20);
    const text = rejectsCleanly(
      inputOf(line, {}, 1 << 20),
      contextOf({ datanet: { format: "text", maxChunkBytes: 1 << 20 } }),
    );
    expect(text.findings.map((f) => f.code)).toEqual(["LOW_QUALITY"]);
    const json = rejectsCleanly(
      inputOf(`${JSON.stringify({ text: line })}\n`, { format: "jsonl" }, 1 << 20),
      jsonlContext(),
    );
    expect(json.findings.map((f) => f.code)).toEqual(["LOW_QUALITY"]);
  });

  it("JSON with prototype-pollution keys neither pollutes nor satisfies required fields", () => {
    const lines = [
      '{"__proto__": {"polluted": "yes", "text": "x"}, "constructor": {"prototype": {"polluted": "yes"}}}',
      '{"text": "fine", "__proto__": {"isAdmin": true}}',
    ];
    const report = rejectsCleanly(
      inputOf(`${lines.join("\n")}\n`, { format: "jsonl" }, 1 << 20),
      jsonlContext(),
    );
    expect(report.findings[0]).toEqual({
      code: "INVALID_JSONL",
      firstLine: 1,
      reason: "missing_field",
      field: "text",
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    const proto = rejectsCleanly(
      inputOf('{"__proto__": 5}\n', { format: "jsonl" }),
      jsonlContext(["__proto__"]),
    );
    expect(proto.findings[0]).toMatchObject({ reason: "field_not_string", field: "__proto__" });
  });

  it("deeply nested JSON", () => {
    const deep = `{"text":${"[".repeat(100_000)}${"]".repeat(100_000)}}\n`;
    const report = rejectsCleanly(inputOf(deep, { format: "jsonl" }, 1 << 20), jsonlContext());
    expect(report.findings[0]?.code).toBe("INVALID_JSONL");
  });

  it("an empty contribution and chunks that are not bytes", () => {
    const empty = rejectsCleanly({ ...inputOf("x"), chunks: [], dataRoot: "0x" });
    expect(empty.findings.map((f) => f.code)).toContain("EMPTY_CONTRIBUTION");
    const notBytes = rejectsCleanly({
      ...inputOf("x"),
      chunks: ["text" as unknown as Uint8Array, null as unknown as Uint8Array],
    });
    expect(notBytes.findings[0]).toMatchObject({ code: "MISSING_CHUNKS", missing: [0, 1] });
  });

  it("a million missing chunks lists only the first few", () => {
    const input = inputOf(syntheticText(1, 50));
    const chunks = new Array<Uint8Array | undefined>(1_000_000).fill(undefined);
    const report = rejectsCleanly({ ...input, chunks });
    expect(report.findings).toContainEqual({
      code: "MISSING_CHUNKS",
      missing: Array.from({ length: 32 }, (_, i) => i),
      missingCount: 1_000_000,
    });
  });

  it("a corpus that fails becomes a VALIDATOR_ERROR reject, not a crash", () => {
    const corpus = createNearDuplicateIndex();
    corpus.queryFingerprint = () => {
      throw new Error("corpus unavailable");
    };
    const report = rejectsCleanly(inputOf(syntheticText(1, 200)), contextOf({}, corpus));
    expect(report.findings[0]).toEqual({ code: "VALIDATOR_ERROR", message: "corpus unavailable" });
  });

  it("a malformed Datanet size limit rejects with VALIDATOR_ERROR", () => {
    const report = rejectsCleanly(
      inputOf(syntheticText(1, 200)),
      contextOf({ datanet: { format: "text", maxChunkBytes: 256, maxContributionBytes: 1.5 } }),
    );
    expect(report.findings[0]?.code).toBe("VALIDATOR_ERROR");
  });

  it("a hostile license string is echoed truncated", () => {
    const report = rejectsCleanly(inputOf(syntheticText(1, 200), { license: "x".repeat(100_000) }));
    expect(report.findings[0]).toEqual({ code: "LICENSE_NOT_ALLOWED", license: "x".repeat(128) });
  });

  it("a data root that is not hex is a mismatch", () => {
    const report = rejectsCleanly({ ...inputOf(syntheticText(1, 200)), dataRoot: "0xnothex" });
    expect(report.findings[0]).toMatchObject({
      code: "DATA_ROOT_MISMATCH",
      computed: computeDataRoot(inputOf(syntheticText(1, 200)).chunks as Uint8Array[]),
    });
  });
});
