import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { CheckContext } from "./createTaskProcessor.ts";
import type { ContributionSubject, SubjectSource } from "./subjects/subjectTypes.ts";
import {
  createAvailabilityWindow,
  createNearDuplicateIndex,
  DEFAULT_AVAILABILITY_GRACE_MS,
  DEFAULT_LICENSE_ALLOWLIST,
  encodeReport,
  type NearDuplicateIndex,
  reportHash,
  validateContribution,
} from "./validation/index.ts";
import type { CheckResult } from "./workerTypes.ts";

/** What the checker needs of p2p: fetch a contribution (store, else peers) and read its chunks one by one. */
export type ChunkSource = {
  getContribution(dataRoot: Hash): Promise<Uint8Array | undefined>;
  store: { getChunk(dataRoot: Hash, index: number): Promise<{ bytes: Uint8Array } | undefined> };
};

export type ContributionCheckerParameters = {
  subjects: SubjectSource;
  chunks: ChunkSource;
  licenseAllowlist?: readonly string[];
  /** How long chunks may be missing (since this worker first looked) before they count as unavailable. */
  availabilityGraceMs?: number;
};

const decoder = new TextDecoder();

/**
 * Contribution validation as the worker runs it: fetch every chunk over p2p (a forged chunk never reaches the
 * store, so for the validator it is missing), keep each Datanet's accepted corpus in a near-duplicate index, and
 * validate. Missing chunks are waited for until the epoch's availability deadline and for at least the grace
 * period since they were first missed (see availabilityWindow.ts), then rejected as unavailable.
 */
export function createContributionChecker(parameters: ContributionCheckerParameters) {
  const corpora = new Map<bigint, NearDuplicateIndex>();
  const availability = createAvailabilityWindow({
    graceMs: parameters.availabilityGraceMs ?? DEFAULT_AVAILABILITY_GRACE_MS,
  });

  async function corpusOf(datanetId: bigint, excludeId: bigint): Promise<NearDuplicateIndex> {
    let corpus = corpora.get(datanetId);
    if (!corpus) {
      corpus = createNearDuplicateIndex();
      corpora.set(datanetId, corpus);
    }
    for (const c of await parameters.subjects.acceptedContributions([datanetId])) {
      if (c.id === excludeId || corpus.has(c.id)) continue;
      const bytes = await parameters.chunks.getContribution(c.dataRoot);
      // An accepted contribution nobody can serve cannot be compared against; it is added once it arrives.
      if (bytes) corpus.add(c.id, decoder.decode(bytes));
    }
    return corpus;
  }

  return async function checkContribution(
    subject: ContributionSubject,
    ctx: CheckContext,
  ): Promise<CheckResult> {
    const datanet = await parameters.subjects.datanet(subject.datanetId);
    if (!datanet) return { kind: "wait", reason: `datanet ${subject.datanetId} not indexed yet` };
    // Starts a backfill from peers when the store lacks chunks; resolves undefined if it cannot complete.
    await parameters.chunks.getContribution(subject.dataRoot);
    const chunks: (Uint8Array | undefined)[] = [];
    let missing = 0;
    for (let i = 0; i < subject.chunkCount; i++) {
      const chunk = await parameters.chunks.store.getChunk(subject.dataRoot, i);
      chunks.push(chunk?.bytes);
      if (!chunk) missing++;
    }
    // Both conditions: the deadline leaves other workers time to reach quorum; the grace gives chunks committed
    // late in the epoch time to arrive.
    if (missing > 0 && !(availability.missingLongEnough(subject.dataRoot) && ctx.pastDeadline)) {
      return { kind: "wait", reason: `${missing} of ${subject.chunkCount} chunks not available yet` };
    }
    availability.forget(subject.dataRoot);
    const report = validateContribution(
      {
        contributionId: subject.id,
        datanetId: subject.datanetId,
        dataRoot: subject.dataRoot,
        declared: {
          byteSize: subject.byteSize,
          chunkCount: subject.chunkCount,
          license: subject.license,
          format: datanet.format,
        },
        chunks,
      },
      {
        datanet: {
          format: datanet.format === "jsonl" ? "jsonl" : "text",
          maxChunkBytes: datanet.maxChunkBytes,
        },
        licenseAllowlist: parameters.licenseAllowlist ?? DEFAULT_LICENSE_ALLOWLIST,
        corpus: await corpusOf(subject.datanetId, subject.id),
      },
    );
    return {
      kind: "done",
      verdict: report.verdict,
      score: report.score,
      report: encodeReport(report),
      reportHash: reportHash(report),
      summary: report.findings.length ? report.findings.map((f) => f.code).join(",") : "valid",
    };
  };
}
