import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { attributeSpans } from "../../node/attribution/attributeSpans.ts";
import {
  type AttributionIndex,
  createAttributionIndex,
} from "../../node/attribution/createAttributionIndex.ts";
import { loadIndex, saveIndex } from "../../node/attribution/indexFile.ts";
import { buildIndexShard } from "../../node/attribution/indexShard.ts";
import type { MemoryShard } from "../../node/attribution/shardSearch.ts";
import { createRandom, createZipfSampler, syntheticCorpus } from "../fixtures/syntheticCorpus.ts";
import { type Benchmark, figure, percentile } from "./benchmark.ts";

/**
 * The Proof of Attribution index at Datanet scale. Token ids are synthetic (Zipf over a cl100k-sized vocabulary,
 * documents of ~1000 tokens) so the figures measure the index, not BPE: tokenization is excluded.
 * ATTRIBUTION_BENCH_TOKENS overrides the 50M default (e.g. for a quick run).
 */
const TOKENS = Number(process.env.ATTRIBUTION_BENCH_TOKENS ?? 50_000_000);
const VOCAB = 100_277;
const SLICE = 1_000_000;
const OUTPUT_TOKENS = 500;
const TRACES = 200;

type Fixture = {
  index: AttributionIndex;
  buildSeconds: number;
  buildCpuSeconds: number;
  slice: AttributionIndex;
  sliceSortSeconds: number;
  sliceSaisSeconds: number;
  dir: string;
  indexFile: string | undefined;
};

let fixture: Fixture | undefined;

/** Plain suffix array: sort all positions with a suffix comparator (what one writes without SA-IS). */
function comparisonSortSuffixArray(text: Uint32Array): Int32Array {
  const n = text.length;
  const sa = Int32Array.from({ length: n }, (_, i) => i);
  sa.sort((a, b) => {
    let k = 0;
    while (a + k < n && b + k < n && text[a + k] === text[b + k]) k++;
    if (a + k === n) return -1;
    if (b + k === n) return 1;
    return text[a + k]! - text[b + k]!;
  });
  return sa;
}

function getFixture(): Fixture {
  if (fixture) return fixture;
  console.error(`# generating ${TOKENS} synthetic tokens…`);
  const corpus = syntheticCorpus({ tokens: TOKENS, vocabSize: VOCAB, seed: 1, meanDocLength: 1000 });
  console.error("# building the SA-IS index…");
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const shard = buildIndexShard(corpus, VOCAB);
  const buildSeconds = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  // CPU seconds too: on a shared 2-core machine the wall clock mostly measures the neighbours.
  const buildCpuSeconds = (c1.user + c1.system) / 1e6;
  const index = createAttributionIndex({ tokenizerId: "synthetic", separator: VOCAB, shards: [shard] });

  // The baseline: the first SLICE tokens (cut at a document end), comparison-sorted.
  let docs = 0;
  while (corpus.docStarts[docs + 1]! <= SLICE && docs + 1 < corpus.docContributions.length) docs++;
  const end = corpus.docStarts[docs]!;
  const sliceCorpus = {
    tokens: corpus.tokens.slice(0, end),
    docStarts: corpus.docStarts.slice(0, docs + 1),
    docContributions: corpus.docContributions.slice(0, docs),
    contributionIds: corpus.contributionIds,
  };
  console.error(`# comparison-sorting ${end} tokens…`);
  const t1 = performance.now();
  const sliceSa = comparisonSortSuffixArray(sliceCorpus.tokens);
  const sliceSortSeconds = (performance.now() - t1) / 1000;
  // Same data, two algorithms: they must agree, or the speed comparison means nothing.
  const t2 = performance.now();
  const check = buildIndexShard(sliceCorpus, VOCAB).suffixArray;
  const sliceSaisSeconds = (performance.now() - t2) / 1000;
  if (check.length !== sliceSa.length || check.some((v, i) => v !== sliceSa[i])) {
    throw new Error("SA-IS and the comparison sort disagree on the slice.");
  }
  const slice = createAttributionIndex({
    tokenizerId: "synthetic",
    separator: VOCAB,
    shards: [{ ...sliceCorpus, suffixArray: sliceSa }],
  });
  fixture = {
    index,
    buildSeconds,
    buildCpuSeconds,
    slice,
    sliceSortSeconds,
    sliceSaisSeconds,
    dir: mkdtempSync(join(tmpdir(), "attr-bench-")),
    indexFile: undefined,
  };
  process.once("exit", () => rmSync(fixture!.dir, { recursive: true, force: true }));
  return fixture;
}

/** 500-token outputs that copy 8–64-token pieces of corpus documents between stretches of fresh tokens. */
function makeOutputs(index: AttributionIndex, count: number, seed: number): Uint32Array[] {
  const random = createRandom(seed);
  const sample = createZipfSampler(VOCAB, random);
  const shard = index.shards[0] as MemoryShard;
  const outputs: Uint32Array[] = [];
  for (let o = 0; o < count; o++) {
    const out = new Uint32Array(OUTPUT_TOKENS);
    let at = 0;
    while (at < OUTPUT_TOKENS) {
      if (random() < 0.5) {
        const d = Math.floor(random() * shard.docContributions.length);
        const from = shard.docStarts[d]!;
        const docLength = shard.docStarts[d + 1]! - 1 - from;
        const length = Math.min(8 + Math.floor(random() * 57), docLength, OUTPUT_TOKENS - at);
        const start = from + Math.floor(random() * Math.max(1, docLength - length));
        out.set(shard.tokens.subarray(start, start + length), at);
        at += length;
      } else {
        const length = Math.min(1 + Math.floor(random() * 30), OUTPUT_TOKENS - at);
        for (let i = 0; i < length; i++) out[at++] = sample();
      }
    }
    outputs.push(out);
  }
  return outputs;
}

/** Wall-clock and CPU milliseconds per trace: on a shared machine the gap between the two is time not scheduled. */
function traceLatencies(
  index: AttributionIndex,
  outputs: Uint32Array[],
): { ms: number[]; cpuMs: number[]; spans: number } {
  for (const o of outputs.slice(0, 20)) attributeSpans(index, o); // warm-up
  const ms: number[] = [];
  const cpuMs: number[] = [];
  let spans = 0;
  for (const o of outputs) {
    const c = process.cpuUsage();
    const t = performance.now();
    const r = attributeSpans(index, o);
    ms.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpuMs.push((used.user + used.system) / 1000);
    spans += r.spans.length;
  }
  return { ms, cpuMs, spans };
}

/** Loads the saved index in a fresh process: resident bytes after loading, and peak while rebuilding its SA. */
const MEMORY_PROBE = `
import { loadIndex } from ${JSON.stringify(new URL("../../node/attribution/indexFile.ts", import.meta.url).href)};
import { buildSuffixArray } from ${JSON.stringify(new URL("../../node/attribution/buildSuffixArray.ts", import.meta.url).href)};
import { attributeSpans } from ${JSON.stringify(new URL("../../node/attribution/attributeSpans.ts", import.meta.url).href)};
globalThis.gc?.();
const before = process.memoryUsage().rss;
const index = loadIndex(process.argv[1], { check: "structure" });
const output = Uint32Array.from({ length: 500 }, (_, i) => index.tokenAt(5000 + i));
attributeSpans(index, output);
globalThis.gc?.();
const loaded = process.memoryUsage().rss - before;
const tokens = index.size;
const text = Uint32Array.from({ length: tokens }, (_, i) => index.tokenAt(i));
const peakBefore = process.resourceUsage().maxRSS * 1024;
buildSuffixArray(text, index.separator + 1);
const buildPeak = process.resourceUsage().maxRSS * 1024 - before;
console.log(JSON.stringify({ tokens, loaded, buildPeak, peakBefore }));
`;

/**
 * The billion-token benchmarks (opt-in: `npm run bench -- attribution.build_1b attribution.trace_1b
 * attribution.resident`). One run builds two index files in child processes, from the same seeded synthetic
 * stream (so the small corpus is a prefix of the big one): BIG tokens sharded and merged on disk
 * (buildIndexFile), and SMALL tokens in memory (one SA-IS run and saveIndex), the baseline. Files go to
 * ATTRIBUTION_BENCH_DIR (default: a temp dir; ~9 bytes/token), removed at the end unless ATTRIBUTION_BENCH_KEEP=1
 * (then ATTRIBUTION_BENCH_REUSE=<that run's dir> measures again without rebuilding).
 */
const BIG = Number(process.env.ATTRIBUTION_BENCH_1B_TOKENS ?? 1_000_000_000);
const SMALL = Math.min(TOKENS, BIG);
const BUDGET = Number(process.env.ATTRIBUTION_BENCH_BUDGET ?? 2 * 2 ** 30);
const here = (file: string) => JSON.stringify(new URL(file, import.meta.url).href);

/** argv: mode ("file" | "memory"), tokens, path, budget. Prints seconds, CPU seconds and peak RSS. */
const BUILD_PROBE = `
import { syntheticCorpus } from ${here("../fixtures/syntheticCorpus.ts")};
import { buildIndexFile } from ${here("../../node/attribution/buildIndexFile.ts")};
import { buildIndexShard } from ${here("../../node/attribution/indexShard.ts")};
import { createAttributionIndex } from ${here("../../node/attribution/createAttributionIndex.ts")};
import { saveIndex } from ${here("../../node/attribution/indexFile.ts")};
const [mode, tokens, path, budget] = process.argv.slice(1);
const g0 = performance.now();
const corpus = syntheticCorpus({ tokens: Number(tokens), vocabSize: ${VOCAB}, seed: 1, meanDocLength: 1000 });
const generateSeconds = (performance.now() - g0) / 1000;
const c0 = process.cpuUsage();
const t0 = performance.now();
let shards = 1;
if (mode === "file") {
  shards = buildIndexFile({ path, tokenizerId: "synthetic", separator: ${VOCAB}, corpus,
    memoryBudgetBytes: Number(budget), onProgress: (m) => console.error("# " + m) }).shards;
} else {
  const shard = buildIndexShard(corpus, ${VOCAB});
  saveIndex(createAttributionIndex({ tokenizerId: "synthetic", separator: ${VOCAB}, shards: [shard] }), path);
}
const seconds = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ tokens: corpus.tokens.length, shards, seconds, cpuSeconds: (c.user + c.system) / 1e6,
  generateSeconds, peakRss: process.resourceUsage().maxRSS * 1024 }));
`;

/** argv: index file. Loads it (structure check), traces outputs read from it, prints resident bytes. */
const RESIDENT_PROBE = `
import { loadIndex } from ${here("../../node/attribution/indexFile.ts")};
import { attributeSpans } from ${here("../../node/attribution/attributeSpans.ts")};
globalThis.gc?.();
const before = process.memoryUsage().rss;
const index = loadIndex(process.argv[1], { check: "structure" });
for (let o = 0; o < 50; o++) {
  const from = 1000 + Math.floor(o * (index.size - 3000) / 50);
  attributeSpans(index, Uint32Array.from({ length: 500 }, (_, i) => Math.min(index.tokenAt(from + i), ${VOCAB - 1})));
}
globalThis.gc?.();
console.log(JSON.stringify({ tokens: index.size, resident: process.memoryUsage().rss - before }));
`;

type BuildFigures = {
  tokens: number;
  shards: number;
  seconds: number;
  cpuSeconds: number;
  generateSeconds: number;
  peakRss: number;
};
type BigFixture = {
  dir: string;
  small: string;
  big: string;
  smallBuild: BuildFigures;
  bigBuild: BuildFigures;
};
let bigFixture: BigFixture | undefined;

function probe<T>(script: string, args: string[]): T {
  const run = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.status !== 0) throw new Error(`probe failed with status ${run.status}`);
  return JSON.parse(run.stdout) as T;
}

function getBigFixture(): BigFixture {
  if (bigFixture) return bigFixture;
  // ATTRIBUTION_BENCH_REUSE=<dir of a kept run>: trace and probe again without rebuilding (builds are long).
  const reuse = process.env.ATTRIBUTION_BENCH_REUSE;
  if (reuse) {
    bigFixture = JSON.parse(readFileSync(join(reuse, "build.json"), "utf8")) as BigFixture;
    return bigFixture;
  }
  const root = process.env.ATTRIBUTION_BENCH_DIR ?? tmpdir();
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, "attr-bench-1b-"));
  if (process.env.ATTRIBUTION_BENCH_KEEP !== "1") {
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const small = join(dir, "small.idx");
  const big = join(dir, "big.idx");
  console.error(`# building ${SMALL} tokens in memory (baseline)…`);
  const smallBuild = probe<BuildFigures>(BUILD_PROBE, ["memory", String(SMALL), small, "0"]);
  console.error(`# building ${BIG} tokens sharded, merged on disk (budget ${BUDGET} bytes)…`);
  const bigBuild = probe<BuildFigures>(BUILD_PROBE, ["file", String(BIG), big, String(BUDGET)]);
  bigFixture = { dir, small, big, smallBuild, bigBuild };
  writeFileSync(join(dir, "build.json"), JSON.stringify(bigFixture));
  return bigFixture;
}

/** Reads a file once, so the traces run on a warm page cache. */
function warm(path: string): void {
  const fd = openSync(path, "r");
  const buffer = new Uint8Array(8 << 20);
  let at = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, at);
    if (n === 0) break;
    at += n;
  }
  closeSync(fd);
}

/** 500-token outputs copying 8–64-token pieces of the first `limit` positions between fresh Zipf tokens. */
function makeOutputsFrom(index: AttributionIndex, limit: number, count: number, seed: number): Uint32Array[] {
  const random = createRandom(seed);
  const sample = createZipfSampler(VOCAB, random);
  const outputs: Uint32Array[] = [];
  for (let o = 0; o < count; o++) {
    const out = new Uint32Array(OUTPUT_TOKENS);
    let at = 0;
    while (at < OUTPUT_TOKENS) {
      if (random() < 0.5) {
        const length = Math.min(8 + Math.floor(random() * 57), OUTPUT_TOKENS - at);
        const from = Math.floor(random() * (limit - length));
        for (let k = 0; k < length; k++) {
          const t = index.tokenAt(from + k);
          out[at++] = t === VOCAB ? sample() : t;
        }
      } else {
        const length = Math.min(1 + Math.floor(random() * 30), OUTPUT_TOKENS - at);
        for (let i = 0; i < length; i++) out[at++] = sample();
      }
    }
    outputs.push(out);
  }
  return outputs;
}

const billionBenchmarks: Benchmark[] = [
  {
    name: "attribution.build_1b",
    optIn: true,
    description: `index file over ${BIG} synthetic tokens, sharded SA-IS merged on disk: tokens/s and peak RSS, vs ${SMALL} in memory`,
    async run() {
      const f = getBigFixture();
      const rate = f.bigBuild.tokens / f.bigBuild.seconds;
      const baseline = f.smallBuild.tokens / f.smallBuild.seconds;
      const note = `one SA-IS run in memory + saveIndex over the first ${f.smallBuild.tokens} tokens of the same stream, same run`;
      return [
        figure("attribution.build_1b", rate, "tokens/s", baseline, note, {
          tokens: f.bigBuild.tokens,
          shards: f.bigBuild.shards,
          seconds: f.bigBuild.seconds,
          cpuSeconds: f.bigBuild.cpuSeconds,
          tokensPerCpuSecond: Math.round(f.bigBuild.tokens / f.bigBuild.cpuSeconds),
          baselineSeconds: f.smallBuild.seconds,
          budgetBytes: BUDGET,
          loadAverage: loadavg()[0],
        }),
        figure(
          "attribution.build_1b.peak_rss",
          f.bigBuild.peakRss / 2 ** 30,
          "GiB",
          f.smallBuild.peakRss / 2 ** 30,
          `${note} (corpus generation included in both)`,
          {
            target: "<= 24",
            met: f.bigBuild.peakRss <= 24 * 2 ** 30,
            bytesPerToken: f.bigBuild.peakRss / f.bigBuild.tokens,
            baselineBytesPerToken: f.smallBuild.peakRss / f.smallBuild.tokens,
          },
        ),
      ];
    },
  },
  {
    name: "attribution.trace_1b",
    optIn: true,
    description: `latency to attribute a ${OUTPUT_TOKENS}-token output against the ${BIG}-token index file, warm page cache`,
    async run() {
      const f = getBigFixture();
      warm(f.big);
      warm(f.small);
      const big = loadIndex(f.big, { check: "structure" });
      const small = loadIndex(f.small, { check: "structure" });
      try {
        // Pieces from the small corpus's range, which is a prefix of the big one: the very same queries.
        const outputs = makeOutputsFrom(small, small.size - 2000, TRACES, 4);
        const b = traceLatencies(big, outputs);
        const s = traceLatencies(small, outputs);
        const note = `the same ${TRACES} outputs against the ${small.size}-token index file, same run`;
        return [
          figure("attribution.trace_1b.p50", percentile(b.ms, 50), "ms", percentile(s.ms, 50), note, {
            tokens: big.size,
            meanSpans: b.spans / TRACES,
            baselineMeanSpans: s.spans / TRACES,
            cpuMs: percentile(b.cpuMs, 50),
          }),
          figure("attribution.trace_1b.p95", percentile(b.ms, 95), "ms", percentile(s.ms, 95), note, {
            target: "<= 50",
            met: percentile(b.ms, 95) <= 50,
            tokens: big.size,
            cpuMs: percentile(b.cpuMs, 95),
            loadAverage: loadavg()[0],
          }),
        ];
      } finally {
        big.close();
        small.close();
      }
    },
  },
  {
    name: "attribution.resident",
    optIn: true,
    description: `resident bytes per token while serving the ${BIG}-token index file (fresh process)`,
    async run() {
      const f = getBigFixture();
      const big = probe<{ tokens: number; resident: number }>(RESIDENT_PROBE, [f.big]);
      const small = probe<{ tokens: number; resident: number }>(RESIDENT_PROBE, [f.small]);
      return [
        figure(
          "attribution.resident",
          big.resident / big.tokens,
          "bytes/token",
          small.resident / small.tokens,
          `the same probe serving the ${small.tokens}-token index file, same run (version 1 held 8.2 bytes/token)`,
          {
            target: "<= 2",
            met: big.resident / big.tokens <= 2,
            tokens: big.tokens,
            residentBytes: big.resident,
            baselineResidentBytes: small.resident,
            loadAverage: loadavg()[0],
          },
        ),
      ];
    },
  },
];

const benchmarks: Benchmark[] = [
  ...billionBenchmarks,
  {
    name: "attribution.build",
    description: `SA-IS index build, tokens/s at ${TOKENS} tokens (tokenization excluded), vs a comparison-sort SA on ${SLICE}`,
    async run() {
      const f = getFixture();
      const rate = f.index.size / f.buildSeconds;
      const baseline = f.slice.size / f.sliceSortSeconds;
      return [
        figure(
          "attribution.build",
          rate,
          "tokens/s",
          baseline,
          `comparison-sort suffix array on the first ${f.slice.size} tokens of the same data`,
          {
            target: ">= 2000000",
            met: rate >= 2_000_000,
            tokens: f.index.size,
            seconds: f.buildSeconds,
            cpuSeconds: f.buildCpuSeconds,
            tokensPerCpuSecond: Math.round(f.index.size / f.buildCpuSeconds),
            baselineSeconds: f.sliceSortSeconds,
            // SA-IS on the very slice the baseline sorted: the like-for-like speed-up.
            sliceSaisTokensPerSecond: Math.round(f.slice.size / f.sliceSaisSeconds),
          },
        ),
      ];
    },
  },
  {
    name: "attribution.trace",
    description: `latency to attribute a ${OUTPUT_TOKENS}-token output against the ${TOKENS}-token index`,
    async run() {
      const f = getFixture();
      const big = traceLatencies(f.index, makeOutputs(f.index, TRACES, 2));
      const small = traceLatencies(f.slice, makeOutputs(f.slice, TRACES, 3));
      const note = `same kind of outputs against a ${f.slice.size}-token index`;
      return [
        figure("attribution.trace.p50", percentile(big.ms, 50), "ms", percentile(small.ms, 50), note, {
          tokens: f.index.size,
          traces: TRACES,
          meanSpans: big.spans / TRACES,
          cpuMs: percentile(big.cpuMs, 50),
        }),
        figure("attribution.trace.p95", percentile(big.ms, 95), "ms", percentile(small.ms, 95), note, {
          target: "<= 20",
          met: percentile(big.ms, 95) <= 20,
          tokens: f.index.size,
          cpuMs: percentile(big.cpuMs, 95),
          loadAverage: loadavg()[0],
        }),
      ];
    },
  },
  {
    name: "attribution.memory",
    description: "resident bytes per indexed token after loading the index file in a fresh process",
    async run() {
      const f = getFixture();
      f.indexFile ??= join(f.dir, "bench.idx");
      saveIndex(f.index, f.indexFile);
      const probe = spawnSync(
        process.execPath,
        ["--expose-gc", "--input-type=module", "-e", MEMORY_PROBE, f.indexFile],
        { encoding: "utf8", maxBuffer: 1 << 20 },
      );
      if (probe.status !== 0) throw new Error(`memory probe failed: ${probe.stderr}`);
      const m = JSON.parse(probe.stdout) as { tokens: number; loaded: number; buildPeak: number };
      const perToken = m.loaded / m.tokens;
      return [
        figure(
          "attribution.memory",
          perToken,
          "bytes/token",
          m.buildPeak / m.tokens,
          "peak resident bytes per token while building the suffix array in the same process",
          {
            target: "<= 12",
            met: perToken <= 12,
            tokens: m.tokens,
            residentBytes: m.loaded,
          },
        ),
      ];
    },
  },
];

export default benchmarks;
