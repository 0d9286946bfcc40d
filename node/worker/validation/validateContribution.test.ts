import { describe, expect, it } from "vitest";
import { VERDICT } from "../../../contracts/enums/verdict.ts";
import { computeDataRoot } from "../../../contracts/merkle/chunkTree.ts";
import { CHUNK, contextOf, inputOf } from "../../../test/fixtures/validationFixtures.ts";
import type { Finding, FindingCode } from "./findings.ts";
import { createNearDuplicateIndex } from "./nearDuplicateIndex.ts";
import { mutateWords, syntheticText } from "./syntheticText.ts";
import { validateContribution } from "./validateContribution.ts";

const GOOD = syntheticText(1, 300);
const codes = (findings: Finding[]): FindingCode[] => findings.map((f) => f.code);

describe("validateContribution", () => {
  it("accepts a clean contribution with no findings and its quality as score", () => {
    const report = validateContribution(inputOf(GOOD), contextOf());
    expect(report.findings).toEqual([]);
    expect(report.verdict).toBe(VERDICT.accept);
    expect(report.score).toBeGreaterThanOrEqual(report.params.minQualityScore);
    expect(report.measured.contentChecked).toBe(true);
  });

  it("MISSING_CHUNKS lists the absent indexes and skips the content checks", () => {
    const input = inputOf(GOOD);
    const chunks = [...input.chunks];
    chunks[1] = undefined;
    chunks[3] = undefined;
    const report = validateContribution({ ...input, chunks }, contextOf());
    expect(report.findings).toContainEqual({ code: "MISSING_CHUNKS", missing: [1, 3], missingCount: 2 });
    expect(report.verdict).toBe(VERDICT.reject);
    expect(report.measured.contentChecked).toBe(false);
    expect(report.score).toBe(0);
  });

  it("CHUNK_TOO_LARGE fires only above the Datanet's chunk limit", () => {
    const big = inputOf(GOOD, {}, 512);
    const report = validateContribution(big, contextOf());
    expect(codes(report.findings)).toEqual(["CHUNK_TOO_LARGE"]);
    const oversized = big.chunks.flatMap((c, i) => (c!.length > CHUNK ? [i] : []));
    expect(oversized.length).toBeGreaterThan(2);
    expect(report.findings[0]).toMatchObject({ chunks: oversized, maxChunkBytes: CHUNK });
    const ok = validateContribution(
      inputOf(GOOD, {}, 512),
      contextOf({ datanet: { format: "text", maxChunkBytes: 512 } }),
    );
    expect(ok.findings).toEqual([]);
  });

  it("DATA_ROOT_MISMATCH on a corrupted chunk, one flipped bit enough", () => {
    const input = inputOf(GOOD);
    const chunks = input.chunks.map((c) => Uint8Array.from(c!));
    chunks[2]![5]! ^= 1;
    const report = validateContribution({ ...input, chunks }, contextOf());
    expect(codes(report.findings)).toEqual(["DATA_ROOT_MISMATCH"]);
    expect(report.measured.contentChecked).toBe(false);
    expect(report.findings[0]).toMatchObject({ declared: input.dataRoot, computed: computeDataRoot(chunks) });
  });

  it("CHUNK_COUNT_MISMATCH and BYTE_SIZE_MISMATCH catch a dishonest declaration", () => {
    const input = inputOf(GOOD);
    const wrong = { ...input, declared: { ...input.declared, chunkCount: 99, byteSize: 5n } };
    const report = validateContribution(wrong, contextOf());
    expect(codes(report.findings)).toEqual(["CHUNK_COUNT_MISMATCH", "BYTE_SIZE_MISMATCH"]);
    expect(report.findings[1]).toEqual({
      code: "BYTE_SIZE_MISMATCH",
      declared: 5n,
      actual: input.declared.byteSize,
    });
  });

  it("CONTRIBUTION_TOO_LARGE uses the Datanet's limit, else the default", () => {
    const input = inputOf(GOOD);
    const limit = Number(input.declared.byteSize) - 1;
    const report = validateContribution(
      input,
      contextOf({ datanet: { format: "text", maxChunkBytes: CHUNK, maxContributionBytes: limit } }),
    );
    expect(codes(report.findings)).toEqual(["CONTRIBUTION_TOO_LARGE"]);
    expect(report.measured.contentChecked).toBe(false);
    const exact = validateContribution(
      input,
      contextOf({ datanet: { format: "text", maxChunkBytes: CHUNK, maxContributionBytes: limit + 1 } }),
    );
    expect(exact.findings).toEqual([]);
    // A declaration that claims more than the limit is refused even before the bytes arrive.
    const claimed = validateContribution(
      { ...input, declared: { ...input.declared, byteSize: 20_000_000n } },
      contextOf(),
    );
    expect(codes(claimed.findings)).toContain("CONTRIBUTION_TOO_LARGE");
  });

  it("EMPTY_CONTRIBUTION for no chunks and for chunks without bytes", () => {
    const none = validateContribution(
      { ...inputOf(GOOD), chunks: [], declared: { ...inputOf(GOOD).declared, chunkCount: 0, byteSize: 0n } },
      contextOf(),
    );
    expect(codes(none.findings)).toEqual(["EMPTY_CONTRIBUTION"]);
    const empty = validateContribution(inputOf(""), contextOf());
    expect(codes(empty.findings)).toEqual(["EMPTY_CONTRIBUTION"]);
    expect(empty.verdict).toBe(VERDICT.reject);
  });

  it("FORMAT_MISMATCH when the declaration names another format than the Datanet's", () => {
    const report = validateContribution(inputOf(GOOD, { format: "jsonl" }), contextOf());
    expect(report.findings).toEqual([{ code: "FORMAT_MISMATCH", declared: "jsonl", datanet: "text" }]);
  });

  it("INVALID_UTF8 for bytes a fatal decoder refuses, not for multi-byte text split across chunks", () => {
    const bytes = new TextEncoder().encode(`${GOOD} `);
    const bad = Uint8Array.from([...bytes.subarray(0, 100), 0xc3, 0x28, ...bytes.subarray(100)]);
    expect(codes(validateContribution(inputOf(bad), contextOf()).findings)).toEqual(["INVALID_UTF8"]);
    // "é" and "漢" are 2 and 3 bytes; a 7-byte chunk size cuts through them, and that is fine.
    const multi = `${GOOD.slice(0, 600)} café 漢字 ${GOOD.slice(600)}`;
    expect(
      validateContribution(
        inputOf(multi, {}, 7),
        contextOf({ datanet: { format: "text", maxChunkBytes: 7 } }),
      ).findings,
    ).toEqual([]);
  });

  it("LICENSE_NOT_ALLOWED compares SPDX ids exactly", () => {
    for (const license of ["cc-by-4.0", "CC-BY-NC-4.0", "proprietary", ""]) {
      const report = validateContribution(inputOf(GOOD, { license }), contextOf());
      expect(report.findings).toEqual([{ code: "LICENSE_NOT_ALLOWED", license }]);
    }
    for (const license of ["CC0-1.0", "MIT", "ODbL-1.0"]) {
      expect(validateContribution(inputOf(GOOD, { license }), contextOf()).findings).toEqual([]);
    }
  });

  it("EXACT_DUPLICATE after normalisation, naming the smallest matching id", () => {
    const corpus = createNearDuplicateIndex();
    const rewrapped = GOOD.toUpperCase().replaceAll(" ", "\n  ");
    corpus.add(40n, rewrapped);
    corpus.add(12n, GOOD);
    const report = validateContribution(inputOf(GOOD), contextOf({}, corpus));
    expect(report.findings).toEqual([
      { code: "EXACT_DUPLICATE", of: 12n, contentHash: report.measured.contentHash },
    ]);
    // The subject itself in the corpus (re-validation) is not its own duplicate.
    const self = createNearDuplicateIndex();
    self.add(7n, GOOD);
    expect(validateContribution(inputOf(GOOD), contextOf({}, self)).findings).toEqual([]);
  });

  it("NEAR_DUPLICATE for a copy with 5% of words changed, not for an unrelated text", () => {
    const corpus = createNearDuplicateIndex();
    corpus.add(3n, GOOD);
    corpus.add(4n, syntheticText(2, 300));
    const copy = validateContribution(inputOf(mutateWords(GOOD, 0.05, 9)), contextOf({}, corpus));
    expect(codes(copy.findings)).toEqual(["NEAR_DUPLICATE"]);
    expect(copy.findings[0]).toMatchObject({ of: 3n, thresholdBps: 6000 });
    const other = validateContribution(inputOf(syntheticText(5, 300)), contextOf({}, corpus));
    expect(other.findings).toEqual([]);
  });

  it("LOW_QUALITY for spam repetition and binary-looking junk, with the score in the report", () => {
    const spam = validateContribution(inputOf("buy cheap tokens now ".repeat(60)), contextOf());
    expect(codes(spam.findings)).toEqual(["LOW_QUALITY"]);
    expect(spam.score).toBeLessThan(3000);
    expect(spam.findings[0]).toEqual({ code: "LOW_QUALITY", score: spam.score, minimum: 3000 });
    const junk = validateContribution(inputOf("\u0001\u0002#$%^&*()_+=".repeat(40)), contextOf());
    expect(codes(junk.findings)).toEqual(["LOW_QUALITY"]);
    const short = validateContribution(inputOf("Hello there."), contextOf());
    expect(codes(short.findings)).toEqual(["LOW_QUALITY"]);
  });

  it("honours a custom minimum quality and near-duplicate threshold", () => {
    const corpus = createNearDuplicateIndex();
    corpus.add(3n, GOOD);
    const copy = inputOf(mutateWords(GOOD, 0.05, 9));
    const lenient = validateContribution(
      copy,
      contextOf({ params: { nearDuplicateThresholdBps: 9900 } }, corpus),
    );
    expect(lenient.findings).toEqual([]);
    const strict = validateContribution(inputOf(GOOD), contextOf({ params: { minQualityScore: 10001 } }));
    expect(codes(strict.findings)).toEqual(["LOW_QUALITY"]);
  });
});

describe("validateContribution, JSONL", () => {
  const jsonl = (n: number, make: (i: number) => unknown) =>
    `${Array.from({ length: n }, (_, i) => JSON.stringify(make(i))).join("\n")}\n`;
  const ctx = (requiredFields?: string[]) =>
    contextOf({ datanet: { format: "jsonl", maxChunkBytes: CHUNK, requiredFields } });
  const record = (i: number) => ({
    id: i,
    prompt: syntheticText(100 + i, 20),
    answer: syntheticText(200 + i, 20),
  });

  it("accepts records with the required string fields", () => {
    const report = validateContribution(
      inputOf(jsonl(20, record), { format: "jsonl" }),
      ctx(["prompt", "answer"]),
    );
    expect(report.findings).toEqual([]);
  });

  it.each([
    ["not_json", "{ not json", undefined],
    ["not_object", "[1, 2, 3]", undefined],
    ["not_object", "null", undefined],
    ["missing_field", JSON.stringify({ prompt: "only the prompt" }), "answer"],
    ["field_not_string", JSON.stringify({ prompt: "p", answer: 42 }), "answer"],
    ["not_json", "", undefined],
  ])("INVALID_JSONL %s on the first bad line", (reason, bad, field) => {
    const text = jsonl(5, record).replace(/\n$/, `\n${bad}\n${JSON.stringify(record(9))}\n`);
    const report = validateContribution(inputOf(text, { format: "jsonl" }), ctx(["prompt", "answer"]));
    const expected: Record<string, unknown> = { code: "INVALID_JSONL", firstLine: 6, reason };
    if (field) expected.field = field;
    expect(report.findings).toEqual([expected]);
  });

  it("reads required fields as own properties only, never through the prototype", () => {
    const text = jsonl(10, (i) => ({ ...record(i), answer: undefined }));
    const report = validateContribution(inputOf(text, { format: "jsonl" }), ctx(["prompt", "toString"]));
    expect(report.findings).toEqual([
      { code: "INVALID_JSONL", firstLine: 1, reason: "missing_field", field: "toString" },
    ]);
  });

  it("duplicates are found on the records' content, whatever the key order", () => {
    const corpus = createNearDuplicateIndex();
    const a = jsonl(20, record);
    const b = jsonl(20, (i) => {
      const r = record(i);
      return { answer: r.answer, prompt: r.prompt, id: i + 1000 };
    });
    const ctxWith = contextOf(
      { datanet: { format: "jsonl", maxChunkBytes: CHUNK, requiredFields: ["prompt", "answer"] } },
      corpus,
    );
    const first = validateContribution(inputOf(a, { format: "jsonl" }), ctxWith);
    expect(first.findings).toEqual([]);
    corpus.add(
      1n,
      `${Array.from({ length: 20 }, (_, i) => `${record(i).prompt}\n${record(i).answer}`).join("\n")}`,
    );
    const second = validateContribution(inputOf(b, { format: "jsonl" }), ctxWith);
    expect(codes(second.findings)).toEqual(["EXACT_DUPLICATE"]);
  });
});
