import { keccak256 } from "viem";
import { attributionResultToJson, buildCorpus, type Tokenizer } from "../attribution/index.ts";
import { createEngineCache, type EngineCacheParameters } from "./createEngineCache.ts";
import type { CheckContext } from "./createTaskProcessor.ts";
import type { InferenceSubject, SubjectSource } from "./subjects/subjectTypes.ts";
import {
  canonicalJson,
  createAvailabilityWindow,
  DEFAULT_AVAILABILITY_GRACE_MS,
} from "./validation/index.ts";
import type { CheckResult } from "./workerTypes.ts";

export type ContentSource = { getContribution(dataRoot: `0x${string}`): Promise<Uint8Array | undefined> };

export type InferenceCheckerParameters = {
  subjects: SubjectSource;
  content: ContentSource;
  tokenizer: Tokenizer;
  /**
   * Corpora kept built (one per distinct set of accepted contributions): `cacheSize`, `maxShards` (in memory:
   * shards before a merge), and `indexDir` to keep them as index files searched in place, with at most
   * `openIndexes` open, so memory stays bounded whatever the corpus size (see createEngineCache).
   */
  cacheSize?: number;
  maxShards?: number;
  indexDir?: EngineCacheParameters["indexDir"];
  openIndexes?: number;
  /** How long data may be missing (since this worker first looked) before the worker gives up on it. */
  availabilityGraceMs?: number;
};

const PPM = 1_000_000;

/**
 * Compute-work verification: fetch the inference's output by its root, rebuild the attribution over exactly
 * the corpus the inference names on-chain (the model's Datanets' contributions Accepted at the end of its
 * corpusBlock, a block before the inference's own, so nothing in that block can change the verdict), and
 * compare with the on-chain claim exactly under the protocol's parameters. Honest (identical entries) → accept;
 * anything else → reject, with the engine's reason in the report.
 */
export function createInferenceChecker(parameters: InferenceCheckerParameters) {
  const cache = createEngineCache({
    cacheSize: parameters.cacheSize,
    maxShards: parameters.maxShards,
    indexDir: parameters.indexDir,
    openIndexes: parameters.openIndexes,
  });
  const availability = createAvailabilityWindow({
    graceMs: parameters.availabilityGraceMs ?? DEFAULT_AVAILABILITY_GRACE_MS,
  });

  return async function checkInference(subject: InferenceSubject, ctx: CheckContext): Promise<CheckResult> {
    // An output published right after recordInference may still be on its way: abstain (and leave the
    // subject to the next epoch's workers) only past the deadline and the grace.
    const missingKey = `inference:${subject.id}`;
    const unavailable = (reason: string): CheckResult =>
      availability.missingLongEnough(missingKey) && ctx.pastDeadline
        ? { kind: "abstain", reason }
        : { kind: "wait", reason };
    const output = await parameters.content.getContribution(subject.outputRoot);
    if (!output) return unavailable(`output ${subject.outputRoot} not available from the store or peers`);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(output);
    } catch {
      text = "";
    }
    const datanets = await parameters.subjects.modelDatanets(subject.modelId);
    const accepted = await parameters.subjects.acceptedContributions(datanets, subject.corpusBlock);
    const key = keccak256(new TextEncoder().encode(accepted.map((c) => c.id.toString()).join(",")));
    let engine = cache.get(key);
    if (!engine) {
      // Newly accepted contributions usually have higher ids than all before them: then the corpus grows by
      // one shard of just those (no re-fetch, no re-tokenizing). Shards concatenate in order, so the layout,
      // the results and the report are the same as a corpus built in one go.
      const base = cache.prefixOf(accepted);
      const inputs = [];
      for (const c of accepted.slice(base?.ids.length ?? 0)) {
        const bytes = await parameters.content.getContribution(c.dataRoot);
        if (!bytes) return unavailable(`accepted contribution ${c.id} (${c.dataRoot}) not available`);
        inputs.push({
          contributionId: c.id,
          format: c.format === "jsonl" ? ("jsonl" as const) : ("text" as const),
          content: bytes,
        });
      }
      const ids = accepted.map((c) => c.id);
      engine = base
        ? cache.put(key, ids, base.engine.addContributions(inputs))
        : cache.putCorpus(
            key,
            ids,
            buildCorpus({ contributions: inputs, tokenizer: parameters.tokenizer }),
            parameters.tokenizer,
          );
    }
    availability.forget(missingKey);
    const verdict = engine.verify({
      output: text,
      contributionIds: subject.contributionIds,
      weights: subject.weights,
    });
    const recomputed = verdict.result;
    const honest = verdict.valid;
    const report = new TextEncoder().encode(
      canonicalJson({
        type: "olnode.inference-recheck",
        version: 1,
        inferenceId: subject.id,
        modelId: subject.modelId,
        outputRoot: subject.outputRoot,
        recordedBlock: subject.recordedBlock,
        corpusBlock: subject.corpusBlock,
        tokenizer: parameters.tokenizer.id,
        corpus: accepted.map((c) => c.id),
        claim: { contributionIds: subject.contributionIds, weights: subject.weights },
        recomputed: recomputed ? attributionResultToJson(recomputed) : null,
        verdict: honest ? "honest" : "dishonest",
        code: verdict.valid ? null : verdict.code,
        reason: verdict.valid ? null : verdict.reason,
      }),
    );
    return {
      kind: "done",
      verdict: honest ? 1 : 2,
      score: honest ? PPM : 0,
      report,
      reportHash: keccak256(report),
      summary: honest ? "attribution recomputes exactly" : `${verdict.valid ? "" : verdict.code}`,
    };
  };
}
