import type { Hex } from "viem";
import { VERDICT } from "../../../contracts/enums/verdict.ts";
import { checkFormat } from "./checkFormat.ts";
import { checkIntegrity } from "./checkIntegrity.ts";
import { type Finding, sortFindings } from "./findings.ts";
import { computeSignature } from "./minhash.ts";
import { computeQuality } from "./qualityScore.ts";
import { computeTextFeatures } from "./textFeatures.ts";
import { defaultValidationParams } from "./validationParams.ts";
import {
  type ContributionInput,
  REPORT_VERSION,
  type ValidationContext,
  type ValidationReport,
} from "./validationTypes.ts";

/** Longest user-supplied string (license, format) copied into a report. */
const MAX_ECHO = 128;

/**
 * Validates one fetched contribution against its Datanet's rules and accepted corpus. Pure and deterministic:
 * the same input and corpus give a byte-identical report on any machine. Never throws: a failure of the
 * validator itself becomes a `VALIDATOR_ERROR` reject, so a hostile contribution cannot crash the worker.
 */
export function validateContribution(input: ContributionInput, context: ValidationContext): ValidationReport {
  const params = { ...defaultValidationParams, ...context.params };
  const datanet = context.datanet;
  const limit = datanet.maxContributionBytes ?? params.maxContributionBytes;
  // A malformed limit (a float, a negative) must reject, not throw before the report exists.
  const limitValid = typeof limit === "bigint" ? limit >= 0n : Number.isSafeInteger(limit) && limit >= 0;
  const maxContributionBytes = limitValid ? BigInt(limit) : 0n;
  const requiredFields = datanet.format === "jsonl" ? [...(datanet.requiredFields ?? [])] : [];
  const report: ValidationReport = {
    version: REPORT_VERSION,
    contributionId: input.contributionId,
    datanetId: input.datanetId,
    dataRoot: input.dataRoot,
    verdict: VERDICT.reject,
    score: 0,
    findings: [],
    measured: {
      chunkCount: input.chunks.length,
      presentChunks: 0,
      byteSize: 0n,
      computedDataRoot: null,
      contentChecked: false,
      contentHash: null,
      words: 0,
      distinctShingles: 0,
      quality: null,
      nearestDuplicate: null,
    },
    params: {
      format: datanet.format,
      maxChunkBytes: datanet.maxChunkBytes,
      maxContributionBytes,
      requiredFields,
      licenseAllowlist: [...context.licenseAllowlist].sort(),
      nearDuplicateThresholdBps: params.nearDuplicateThresholdBps,
      minQualityScore: params.minQualityScore,
    },
  };

  const findings: Finding[] = [];
  try {
    if (!limitValid)
      throw new Error(`maxContributionBytes must be a non-negative integer, got ${String(limit)}`);
    runChecks(input, context, report, findings, { ...params, maxContributionBytes, requiredFields });
  } catch (error) {
    findings.push({
      code: "VALIDATOR_ERROR",
      message: (error instanceof Error ? error.message : String(error)).slice(0, 256),
    });
  }
  report.findings = sortFindings(findings);
  report.verdict = report.findings.length === 0 ? VERDICT.accept : VERDICT.reject;
  return report;
}

function runChecks(
  input: ContributionInput,
  context: ValidationContext,
  report: ValidationReport,
  findings: Finding[],
  limits: {
    maxContributionBytes: bigint;
    requiredFields: string[];
    nearDuplicateThresholdBps: number;
    minQualityScore: number;
  },
): void {
  const { declared } = input;
  if (declared.format !== context.datanet.format) {
    findings.push({
      code: "FORMAT_MISMATCH",
      declared: String(declared.format).slice(0, MAX_ECHO),
      datanet: context.datanet.format,
    });
  }
  if (!context.licenseAllowlist.includes(declared.license)) {
    findings.push({ code: "LICENSE_NOT_ALLOWED", license: String(declared.license).slice(0, MAX_ECHO) });
  }

  const integrity = checkIntegrity(input, {
    maxChunkBytes: context.datanet.maxChunkBytes,
    maxContributionBytes: limits.maxContributionBytes,
  });
  findings.push(...integrity.findings);
  report.measured.presentChunks = integrity.presentChunks;
  report.measured.byteSize = integrity.byteSize;
  report.measured.computedDataRoot = integrity.computedDataRoot;
  if (integrity.bytes === undefined || integrity.bytes.length === 0) return;

  const format = checkFormat(integrity.bytes, context.datanet.format, limits.requiredFields);
  findings.push(...format.findings);
  const features = computeTextFeatures(format.contentText);
  const quality = computeQuality(features);
  report.measured.contentChecked = true;
  report.measured.contentHash = features.contentHash;
  report.measured.words = features.wordCount;
  report.measured.distinctShingles = features.distinctShingleCount;
  report.measured.quality = quality.components;
  report.score = quality.score;

  const exact = context.corpus.exactMatch(features.contentHash, { excludeId: input.contributionId });
  if (exact !== undefined) {
    findings.push({ code: "EXACT_DUPLICATE", of: exact, contentHash: features.contentHash as Hex });
  }
  const [nearest] = context.corpus.queryFingerprint(
    { contentHash: features.contentHash, signature: computeSignature(features.shingles) },
    { excludeId: input.contributionId },
  );
  if (nearest) {
    report.measured.nearestDuplicate = { of: nearest.contributionId, similarityBps: nearest.similarityBps };
    // An exact duplicate is also a perfect near-duplicate; one finding says it.
    if (exact === undefined && nearest.similarityBps >= limits.nearDuplicateThresholdBps) {
      findings.push({
        code: "NEAR_DUPLICATE",
        of: nearest.contributionId,
        similarityBps: nearest.similarityBps,
        thresholdBps: limits.nearDuplicateThresholdBps,
      });
    }
  }
  if (quality.score < limits.minQualityScore) {
    findings.push({ code: "LOW_QUALITY", score: quality.score, minimum: limits.minQualityScore });
  }
}
