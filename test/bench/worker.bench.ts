import { createHash } from "node:crypto";
import {
  type ContributionInput,
  createNearDuplicateIndex,
  DEFAULT_LICENSE_ALLOWLIST,
  nearDuplicateIndexFromBytes,
  validateContribution,
} from "../../node/worker/validation/index.ts";
import { mutateWords, syntheticTextOfBytes } from "../../node/worker/validation/syntheticText.ts";
import { inputOf } from "../fixtures/validationFixtures.ts";
import { type Benchmark, figure, percentile } from "./benchmark.ts";
import { workerVotesBenchmark } from "./workerVotes.ts";

const MiB = 1 << 20;
const CHUNK = 256 * 1024;
const CORPUS = 10_000;
/** Corpus entries are small: the index keeps 32 + 512 bytes per entry whatever its size, so query cost does
 * not depend on it, and 10k × 1 MiB of synthetic text would take longer to generate than to index. */
const CORPUS_ENTRY_BYTES = 4 * 1024;
/** A few 1 MiB corpus entries, so that some validated contributions are real near-duplicates. */
const LARGE_CORPUS_ENTRIES = 4;
const FRESH = 12;

function toInput(id: bigint, text: string): ContributionInput {
  return { ...inputOf(text, {}, CHUNK), contributionId: id };
}

function sha256Chunks(input: ContributionInput): void {
  for (const c of input.chunks) createHash("sha256").update(c!).digest();
}

const benchmarks: Benchmark[] = [
  {
    name: "worker.validate",
    description: `1 MiB contributions validated per second against a ${CORPUS}-entry corpus index, vs sha256 of the same chunks`,
    async run() {
      // Fixtures, not timed: corpus texts and contributions.
      const corpusTexts = Array.from({ length: CORPUS }, (_, i) =>
        syntheticTextOfBytes(10_000 + i, i < LARGE_CORPUS_ENTRIES ? MiB : CORPUS_ENTRY_BYTES),
      );
      const inputs = [
        ...Array.from({ length: FRESH }, (_, i) =>
          toInput(BigInt(100_000 + i), syntheticTextOfBytes(i + 1, MiB)),
        ),
        ...Array.from({ length: LARGE_CORPUS_ENTRIES }, (_, i) =>
          toInput(BigInt(200_000 + i), mutateWords(corpusTexts[i]!, 0.05, i)),
        ),
      ];
      const totalBytes = inputs.reduce((n, x) => n + Number(x.declared.byteSize), 0);

      let t = performance.now();
      const corpus = createNearDuplicateIndex();
      for (let i = 0; i < CORPUS; i++) corpus.add(BigInt(i), corpusTexts[i]!);
      const buildMs = performance.now() - t;
      t = performance.now();
      for (const text of corpusTexts) createHash("sha256").update(text).digest();
      const buildBaselineMs = performance.now() - t;
      t = performance.now();
      const bytes = corpus.toBytes();
      const toBytesMs = performance.now() - t;
      t = performance.now();
      nearDuplicateIndexFromBytes(bytes);
      const fromBytesMs = performance.now() - t;

      const context = {
        datanet: { format: "text" as const, maxChunkBytes: CHUNK },
        licenseAllowlist: DEFAULT_LICENSE_ALLOWLIST,
        corpus,
      };
      // Warm-up so both loops run optimised code.
      validateContribution(inputs[0]!, context);
      sha256Chunks(inputs[0]!);

      const perContribution: number[] = [];
      const verdicts = { accept: 0, reject: 0 };
      const codes = new Map<string, number>();
      const start = performance.now();
      for (const input of inputs) {
        const t0 = performance.now();
        const report = validateContribution(input, context);
        perContribution.push(performance.now() - t0);
        if (report.verdict === 1) verdicts.accept++;
        else verdicts.reject++;
        for (const f of report.findings) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
      }
      const validateSeconds = (performance.now() - start) / 1000;

      const rounds = 5;
      const baseStart = performance.now();
      for (let r = 0; r < rounds; r++) for (const input of inputs) sha256Chunks(input);
      const baselineSeconds = (performance.now() - baseStart) / 1000 / rounds;

      const n = inputs.length;
      return [
        figure(
          "worker.validate.throughput",
          n / validateSeconds,
          "contributions/s",
          n / baselineSeconds,
          `${n} contributions of 1 MiB (4 chunks of 256 KiB) against a ${CORPUS}-entry index; baseline: sha256 of the same chunks in the same run (mean of ${rounds} rounds)`,
          {
            mibPerSecond: Math.round((totalBytes / MiB / validateSeconds) * 100) / 100,
            baselineMibPerSecond: Math.round((totalBytes / MiB / baselineSeconds) * 100) / 100,
            p50Ms: Math.round(percentile(perContribution, 50)),
            maxMs: Math.round(Math.max(...perContribution)),
            accepted: verdicts.accept,
            rejected: verdicts.reject,
            findings: Object.fromEntries(codes),
          },
        ),
        figure(
          "worker.validate.corpusBuild",
          buildMs / 1000,
          "s",
          buildBaselineMs / 1000,
          `building the ${CORPUS}-entry near-duplicate index (${LARGE_CORPUS_ENTRIES} × 1 MiB, the rest ${CORPUS_ENTRY_BYTES / 1024} KiB each); baseline: sha256 of the same texts`,
          {
            entriesPerSecond: Math.round(CORPUS / (buildMs / 1000)),
            indexBytes: bytes.length,
            toBytesMs: Math.round(toBytesMs),
            fromBytesMs: Math.round(fromBytesMs),
          },
        ),
      ];
    },
  },
  workerVotesBenchmark,
];

export default benchmarks;
