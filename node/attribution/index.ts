/**
 * Proof of Attribution engine: the package entry. Typical use by the worker:
 *
 *   const engine = createAttributionEngine({ index: buildAttributionIndex({ contributions, tokenizer }) });
 *   engine.save(path);                         // later: loadAttributionEngine(path)
 *   const { entries, spans, resultRoot } = engine.attribute(outputText);
 *   const verdict = engine.verify({ output, contributionIds, weights });   // an on-chain claim
 */
export { type AttributionResult, type AttributionSpan, attributeSpans } from "./attributeSpans.ts";
export {
  AttributionInputError,
  CorpusFormatError,
  IndexFileError,
  type IndexFileErrorCode,
} from "./attributionErrors.ts";
export {
  ATTRIBUTION_RULES_VERSION,
  type AttributionOptions,
  defaultAttributionOptions,
  protocolAttributionOptions,
} from "./attributionOptions.ts";
export { addContributions, buildAttributionIndex } from "./buildAttributionIndex.ts";
export { buildCorpus, type ContributionInput, type Corpus } from "./buildCorpus.ts";
export { type BuildIndexFileParameters, buildIndexFile } from "./buildIndexFile.ts";
export { buildSuffixArray } from "./buildSuffixArray.ts";
export {
  type AttributionEngine,
  createAttributionEngine,
  loadAttributionEngine,
} from "./createAttributionEngine.ts";
export { type AttributionIndex, createAttributionIndex } from "./createAttributionIndex.ts";
export { createByteTokenizer } from "./createByteTokenizer.ts";
export { createTiktokenTokenizer } from "./createTiktokenTokenizer.ts";
export { detExp, detLog, detSigmoid } from "./deterministicMath.ts";
export { attributionResultToJson, encodeAttributionResult, resultHash } from "./encodeAttributionResult.ts";
export { indexCorpus } from "./indexCorpus.ts";
export {
  INDEX_FILE_VERSION,
  type LoadIndexOptions,
  loadIndex,
  type ShardWriteSource,
  saveIndex,
  writeIndexFile,
} from "./indexFile.ts";
export type { IndexShard } from "./indexShard.ts";
export {
  type ContributedExample,
  type ContributionInfluence,
  FIRST_ORDER_MAX_SHARE,
  type InfluenceAttributionResult,
  influenceAttribution,
} from "./influenceAttribution.ts";
export { type AttributionEntry, normaliseToPpm, PPM } from "./normaliseToPpm.ts";
export { encodeEntry, entriesRoot, NO_ATTRIBUTION_ROOT, spanResultRoot } from "./resultRoot.ts";
export type { ShardSearch } from "./shardSearch.ts";
export type { Tokenizer } from "./tokenizer.ts";
export { tokenizerById } from "./tokenizerById.ts";
export { type LabelledExample, trainLogisticRegression } from "./trainLogisticRegression.ts";
export {
  type AttributionClaim,
  type AttributionVerdict,
  type VerdictCode,
  verifyAttribution,
} from "./verifyAttribution.ts";
