/**
 * Contribution validation for the testnet worker: pure functions over a contribution's fetched chunks and the
 * Datanet's accepted corpus. No network, no database; see README.md for the checks and their codes.
 */

export type { JsonlLineError } from "../../../contracts/text/jsonlRecordTexts.ts";
export type { AvailabilityWindow, AvailabilityWindowOptions } from "./availabilityWindow.ts";
export { createAvailabilityWindow, DEFAULT_AVAILABILITY_GRACE_MS } from "./availabilityWindow.ts";
export type { Finding, FindingCode } from "./findings.ts";
export { FINDING_ORDER, MAX_LISTED } from "./findings.ts";
export { DEFAULT_LICENSE_ALLOWLIST } from "./licenseAllowlist.ts";
export type { Signature } from "./minhash.ts";
export { BANDS, ROWS, SLOTS, similarityBps } from "./minhash.ts";
export type {
  ContentFingerprint,
  NearDuplicateCandidate,
  NearDuplicateIndex,
  NearDuplicateQueryOptions,
} from "./nearDuplicateIndex.ts";
export {
  createNearDuplicateIndex,
  fingerprintText,
  nearDuplicateIndexFromBytes,
} from "./nearDuplicateIndex.ts";
export type { QualityComponents } from "./qualityScore.ts";
export { canonicalJson, encodeReport, reportHash } from "./reportEncoding.ts";
export { SHINGLE_WORDS } from "./textFeatures.ts";
export { validateContribution } from "./validateContribution.ts";
export { NearDuplicateIndexFormatError, ValidationInputError } from "./validationErrors.ts";
export type { ValidationParams } from "./validationParams.ts";
export { defaultValidationParams } from "./validationParams.ts";
export type {
  ContributionInput,
  DatanetFormat,
  ValidationContext,
  ValidationReport,
} from "./validationTypes.ts";
export { REPORT_VERSION } from "./validationTypes.ts";
