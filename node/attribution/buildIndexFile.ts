import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { AttributionInputError } from "./attributionErrors.ts";
import type { Corpus } from "./buildCorpus.ts";
import { buildSuffixArray } from "./buildSuffixArray.ts";
import { SAMPLE_EVERY, SAMPLE_TOKENS, sampleOf, writeIndexFile } from "./indexFile.ts";
import { firstTokenRows } from "./suffixSearch.ts";

/** SA-IS's working set per token of a shard: the Int32 suffix array, the type byte and its reduced problem. */
export const SAIS_BYTES_PER_TOKEN = 10;
const CHUNK = 1 << 20;

export type BuildIndexFileParameters = {
  path: string;
  tokenizerId: string;
  /** The tokenizer's vocabSize; the corpus ends every document with it. */
  separator: number;
  corpus: Corpus;
  /**
   * Memory the suffix-array construction may use on top of the corpus (default 2 GiB). The corpus is cut at
   * document boundaries into shards of at most budget / SAIS_BYTES_PER_TOKEN tokens; each shard's suffix array
   * is built in memory and spilled to a temporary file, then all are merged into the index file.
   */
  memoryBudgetBytes?: number;
  /** Temporary files go here (default: the index file's folder, which must hold ~4 bytes/token more). */
  workDir?: string;
  onProgress?: (message: string) => void;
};

export type BuildIndexFileResult = { shards: number; tokens: number };

/**
 * Builds a one-shard index file for a corpus of any size within a memory budget. A corpus that fits the
 * budget is one SA-IS run (linear time); a larger one is cut into shards, each sorted by SA-IS and spilled,
 * then k-way merged on disk. The merge compares suffixes up to and including their first separator and breaks
 * ties by shard: that order differs from a single SA-IS run only among suffixes equal up to a document end,
 * which no query can tell apart (a pattern never holds the separator, and occurrences are reported sorted by
 * position), so the file answers every query exactly like an in-memory index of the same corpus.
 *
 * Memory: the corpus itself (4 bytes/token, resident throughout: the merge compares suffixes in it), the
 * sample being collected (0.875 bytes/token), and the budget.
 */
export function buildIndexFile({
  path,
  tokenizerId,
  separator,
  corpus,
  memoryBudgetBytes = 2 * 2 ** 30,
  workDir = dirname(path),
  onProgress = () => {},
}: BuildIndexFileParameters): BuildIndexFileResult {
  const text = corpus.tokens;
  const n = text.length;
  if (n > 0x7fff_ffff) {
    throw new AttributionInputError(
      "The corpus has 2^31 tokens or more.",
      "Split the Datanet into smaller indexes.",
    );
  }
  if (n > 0 && text[n - 1] !== separator) {
    throw new AttributionInputError(
      "The corpus does not end with a document separator.",
      "Build it with buildCorpus (every document ends with the separator).",
    );
  }
  const alphabet = separator + 1;
  const rows = firstTokenRows(text, alphabet);
  const shardTokens = Math.max(1, Math.floor(memoryBudgetBytes / SAIS_BYTES_PER_TOKEN));
  const cuts = shardCuts(corpus.docStarts, n, shardTokens);
  const base = {
    size: n,
    firstTokenRows: rows,
    docStarts: corpus.docStarts,
    docContributions: corpus.docContributions,
    contributionIds: corpus.contributionIds,
    tokens: (emit: (c: Uint32Array) => void) => {
      for (let i = 0; i < n; i += CHUNK) emit(text.subarray(i, i + CHUNK));
    },
  };
  if (cuts.length <= 2) {
    onProgress(`sorting ${n} tokens in one SA-IS run`);
    const sa = buildSuffixArray(text, alphabet);
    const words = new Uint32Array(sa.buffer, sa.byteOffset, n);
    writeIndexFile(path, {
      tokenizerId,
      separator,
      shards: [
        {
          ...base,
          suffixArray: (emit) => {
            for (let i = 0; i < n; i += CHUNK) emit(words.subarray(i, i + CHUNK));
          },
          sample: () => sampleOf(text, sa),
        },
      ],
    });
    return { shards: 1, tokens: n };
  }

  const tmp = mkdtempSync(join(workDir, ".olnode-index-build-"));
  try {
    const files: string[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const from = cuts[k]!;
      const to = cuts[k + 1]!;
      onProgress(`shard ${k + 1}/${cuts.length - 1}: sorting ${to - from} tokens`);
      const sa = buildSuffixArray(text.subarray(from, to), alphabet);
      // Global positions: shards are consecutive slices of one text.
      for (let i = 0; i < sa.length; i++) sa[i]! += from;
      const file = join(tmp, `shard-${k}.sa`);
      const fd = openSync(file, "w");
      try {
        const bytes = new Uint8Array(sa.buffer, sa.byteOffset, sa.byteLength);
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off, off);
      } finally {
        closeSync(fd);
      }
      files.push(file);
    }
    const sample = new Uint32Array(Math.ceil(n / SAMPLE_EVERY) * (SAMPLE_TOKENS + 1));
    onProgress(`merging ${files.length} shards on disk`);
    writeIndexFile(path, {
      tokenizerId,
      separator,
      shards: [
        {
          ...base,
          suffixArray: (emit) => mergeSuffixArrays(text, separator, files, sample, emit),
          sample: () => sample,
        },
      ],
    });
    return { shards: files.length, tokens: n };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Shard boundaries at document starts, [0, …, n]: ⌈n/max⌉ shards of about equal size, none over `max` unless one
 * document is.
 */
export function shardCuts(docStarts: Uint32Array, n: number, max: number): number[] {
  if (n === 0) return [0];
  const target = n / Math.ceil(n / max);
  const cuts = [0];
  let last = 0;
  for (let d = 1; d + 1 < docStarts.length; d++) {
    const start = docStarts[d]!;
    if (start >= cuts.length * target || docStarts[d + 1]! - last > max) {
      cuts.push(start);
      last = start;
    }
  }
  cuts.push(n);
  return cuts;
}

/**
 * K-way merge of sorted suffix-array runs (global positions, one file each) into one, emitted in chunks. Order:
 * the suffixes' symbols up to and including the first separator, then the run's index (runs are consecutive
 * slices of the text, so that is position order between runs). Heads carry their first two symbols as one key,
 * so most comparisons never touch the text. Fills `sample` for every SAMPLE_EVERY-th output row.
 */
export function mergeSuffixArrays(
  text: Uint32Array,
  separator: number,
  files: readonly string[],
  sample: Uint32Array,
  emit: (chunk: Uint32Array) => void,
): void {
  const k = files.length;
  const n = text.length;
  const radix = separator + 1;
  const fds = files.map((f) => openSync(f, "r"));
  try {
    const buffers = files.map(() => new Uint32Array(CHUNK));
    const filled = new Int32Array(k);
    const at = new Int32Array(k);
    const fileAt = new Float64Array(k);
    const headPos = new Int32Array(k);
    const headKey = new Float64Array(k);
    const refill = (r: number): boolean => {
      const b = buffers[r]!;
      const bytes = new Uint8Array(b.buffer);
      let got = 0;
      while (got < bytes.length) {
        const m = readSync(fds[r]!, bytes, got, bytes.length - got, fileAt[r]! + got);
        if (m === 0) break;
        got += m;
      }
      fileAt[r]! += got;
      filled[r] = got >>> 2;
      at[r] = 0;
      return got > 0;
    };
    const keyOf = (p: number): number => {
      const a = text[p]!;
      return a === separator ? a * radix : a * radix + text[p + 1]!;
    };
    /** Loads run r's next head; false when the run is done. */
    const advance = (r: number): boolean => {
      if (at[r]! >= filled[r]! && !refill(r)) return false;
      const p = buffers[r]![at[r]!++]!;
      headPos[r] = p;
      headKey[r] = keyOf(p);
      return true;
    };
    const less = (r: number, s: number): boolean => {
      const ka = headKey[r]!;
      const kb = headKey[s]!;
      if (ka !== kb) return ka < kb;
      const p = headPos[r]!;
      const q = headPos[s]!;
      // Equal first two symbols; a separator among them ends the comparison.
      if (text[p] === separator || text[p + 1] === separator) return r < s;
      for (let i = 2; ; i++) {
        const a = text[p + i]!;
        const b = text[q + i]!;
        if (a !== b) return a < b;
        if (a === separator) return r < s;
      }
    };
    const heap: number[] = [];
    for (let r = 0; r < k; r++) if (advance(r)) heap.push(r);
    const siftDown = (i: number) => {
      const size = heap.length;
      const item = heap[i]!;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && less(heap[c + 1]!, heap[c]!)) c++;
        if (!less(heap[c]!, item)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = item;
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
    const out = new Uint32Array(CHUNK);
    let o = 0;
    let row = 0;
    const stride = SAMPLE_TOKENS + 1;
    while (heap.length > 0) {
      const r = heap[0]!;
      const p = headPos[r]!;
      if (row % SAMPLE_EVERY === 0) {
        const s = (row / SAMPLE_EVERY) * stride;
        sample[s] = p;
        for (let t = 0; t < SAMPLE_TOKENS && p + t < n; t++) sample[s + 1 + t] = text[p + t]!;
      }
      row++;
      out[o++] = p;
      if (o === CHUNK) {
        emit(out);
        o = 0;
      }
      if (!advance(r)) {
        const last = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = last;
      }
      siftDown(0);
    }
    if (o > 0) emit(out.subarray(0, o));
    if (row !== n) throw new Error(`merged ${row} suffixes of ${n}`);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
