import { createHash, type Hash } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { endianness } from "node:os";
import { IndexFileError, type IndexFileErrorCode } from "./attributionErrors.ts";
import { type AttributionIndex, createAttributionIndex } from "./createAttributionIndex.ts";
import { createDiskShard, type DiskShard, type DiskShardLayout } from "./diskShard.ts";
import { openPageReader, type PageReader } from "./pageReader.ts";
import { encodeUint256 } from "./resultRoot.ts";
import type { MemoryShard } from "./shardSearch.ts";

/**
 * Index file, version 2 (little-endian), read in place by positional reads (see diskShard.ts):
 *
 *   "OLPOAIDX" (8) ‖ version u32 = 2 ‖ flags u32 = 0
 *   sections, each starting at a multiple of 8, where the header says (per shard):
 *     tokens u32[n] ‖ suffixArray u32[n] ‖ sample u32[⌈n/K⌉·(T+1)] ‖ firstTokenRows u32[separator+2] ‖
 *     docStarts u32[docs+1] ‖ docContributions u32[docs] ‖ contributionIds uint256be[c]
 *   header (UTF-8 JSON)
 *   trailer (56): headerOffset u64 ‖ headerLength u32 ‖ 0 u32 ‖ sha256(header) (32) ‖ "OLPOAEND" (8)
 *
 * header = { tokenizerId, separator, sampleEvery: K, sampleTokens: T, shards: [{ tokens, docs, contributions,
 * sections: { name: { offset, length, sha256 } } }] }. The header comes last so that a builder can stream
 * sections of any size and hash them as it goes; a file without its trailer is an unfinished one. The sample
 * holds, for every K-th suffix-array row r, sa[r] and the first T tokens of that suffix: the resident part of
 * a search (see diskShard.ts). All offsets are JavaScript numbers, exact far past 4 GiB.
 *
 * Version 1 (one buffer for the whole file, everything resident) is no longer read: rebuild such files.
 */
export const INDEX_FILE_VERSION = 2;
/** Every SAMPLE_EVERY-th suffix-array row is resident with its first SAMPLE_TOKENS tokens: (1+6)·4/32 = 0.875 B/token. */
export const SAMPLE_EVERY = 32;
export const SAMPLE_TOKENS = 6;
const MAGIC = Buffer.from("OLPOAIDX", "ascii");
const END_MAGIC = Buffer.from("OLPOAEND", "ascii");
const PRELUDE_BYTES = 16;
const TRAILER_BYTES = 56;
const CHUNK_WORDS = 1 << 20;

const SECTION_NAMES = [
  "tokens",
  "suffixArray",
  "sample",
  "firstTokenRows",
  "docStarts",
  "docContributions",
  "contributionIds",
] as const;
type SectionName = (typeof SECTION_NAMES)[number];
type Section = { offset: number; length: number; sha256: string };
type ShardHeader = {
  tokens: number;
  docs: number;
  contributions: number;
  sections: Record<SectionName, Section>;
};
type Header = {
  tokenizerId: string;
  separator: number;
  sampleEvery: number;
  sampleTokens: number;
  shards: ShardHeader[];
};

/** What the writer needs of one shard. Big sections are streamed in chunks so a shard never has to fit in memory. */
export type ShardWriteSource = {
  size: number;
  firstTokenRows: Int32Array | Uint32Array;
  docStarts: Uint32Array;
  docContributions: Uint32Array;
  contributionIds: readonly bigint[];
  /** Emits the tokens in order, in chunks. */
  tokens(emit: (chunk: Uint32Array) => void): void;
  /** Emits the suffix array in order, in chunks; called after tokens(). */
  suffixArray(emit: (chunk: Uint32Array) => void): void;
  /** The sample (see the format above); called after suffixArray(), so a builder may collect it while merging. */
  sample(): Uint32Array;
};

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function checkHost(): void {
  if (endianness() !== "LE") throw new Error("Index files are little-endian; this host is big-endian.");
}

function bytesOf(a: Uint32Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** sample[(r/K)·(T+1)] = sa[r], then the suffix's first T tokens (0 past the end), for r = 0, K, 2K, … */
export function sampleOf(tokens: Uint32Array, suffixArray: Int32Array | Uint32Array): Uint32Array {
  const n = tokens.length;
  const stride = SAMPLE_TOKENS + 1;
  const out = new Uint32Array(Math.ceil(n / SAMPLE_EVERY) * stride);
  for (let r = 0, s = 0; r < n; r += SAMPLE_EVERY, s += stride) {
    const p = suffixArray[r]!;
    out[s] = p;
    for (let k = 0; k < SAMPLE_TOKENS && p + k < n; k++) out[s + 1 + k] = tokens[p + k]!;
  }
  return out;
}

function chunked(a: Uint32Array, emit: (chunk: Uint32Array) => void): void {
  for (let i = 0; i < a.length; i += CHUNK_WORDS) emit(a.subarray(i, i + CHUNK_WORDS));
}

function memorySource(s: MemoryShard): ShardWriteSource {
  const sa = new Uint32Array(s.suffixArray.buffer, s.suffixArray.byteOffset, s.suffixArray.length);
  return {
    ...s,
    tokens: (emit) => chunked(s.tokens, emit),
    suffixArray: (emit) => chunked(sa, emit),
    sample: () => sampleOf(s.tokens, s.suffixArray),
  };
}

function diskSource(s: DiskShard, reader: PageReader): ShardWriteSource {
  const copy = (offset: number, emit: (chunk: Uint32Array) => void) => {
    for (let i = 0; i < s.size; i += CHUNK_WORDS) {
      const words = Math.min(CHUNK_WORDS, s.size - i);
      const b = reader.bytes(offset + 4 * i, 4 * words);
      emit(new Uint32Array(b.buffer, 0, words));
    }
  };
  return {
    size: s.size,
    firstTokenRows: s.layout.firstTokenRows,
    docStarts: s.layout.docStarts,
    docContributions: s.layout.docContributions,
    contributionIds: s.contributionIds,
    tokens: (emit) => copy(s.layout.tokensOffset, emit),
    suffixArray: (emit) => copy(s.layout.suffixArrayOffset, emit),
    sample: () => s.layout.sample,
  };
}

/** Writes atomically (temp file, fsync, rename), so a crash never leaves a half-written index in place. */
export function saveIndex(index: AttributionIndex, path: string): void {
  const sources = index.shards.map((s) => {
    if (s.kind === "memory") return memorySource(s as MemoryShard);
    const disk = s as DiskShard;
    return diskSource(disk, disk.reader);
  });
  writeIndexFile(path, { tokenizerId: index.tokenizerId, separator: index.separator, shards: sources });
}

export type WriteIndexFileParameters = {
  tokenizerId: string;
  separator: number;
  shards: readonly ShardWriteSource[];
};

export function writeIndexFile(
  path: string,
  { tokenizerId, separator, shards }: WriteIndexFileParameters,
): void {
  checkHost();
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  let at = 0;
  let hash: Hash | undefined;
  const zeros = new Uint8Array(8);
  const put = (bytes: Uint8Array) => {
    hash?.update(bytes);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, at + off);
    at += bytes.length;
  };
  const section = (write: () => void): Section => {
    put(zeros.subarray(0, pad8(at) - at));
    const offset = at;
    hash = createHash("sha256");
    write();
    const sha256 = hash.digest("hex");
    hash = undefined;
    return { offset, length: at - offset, sha256 };
  };
  try {
    const prelude = Buffer.alloc(PRELUDE_BYTES);
    MAGIC.copy(prelude, 0);
    prelude.writeUInt32LE(INDEX_FILE_VERSION, 8);
    put(prelude);
    const header: Header = {
      tokenizerId,
      separator,
      sampleEvery: SAMPLE_EVERY,
      sampleTokens: SAMPLE_TOKENS,
      shards: [],
    };
    for (const s of shards) {
      const tokens = section(() => s.tokens((c) => put(bytesOf(c))));
      const suffixArray = section(() => s.suffixArray((c) => put(bytesOf(c))));
      const sample = section(() => put(bytesOf(s.sample())));
      const firstTokenRows = section(() => put(bytesOf(s.firstTokenRows)));
      const docStarts = section(() => put(bytesOf(s.docStarts)));
      const docContributions = section(() => put(bytesOf(s.docContributions)));
      const contributionIds = section(() => {
        for (const id of s.contributionIds) put(encodeUint256(id));
      });
      header.shards.push({
        tokens: s.size,
        docs: s.docContributions.length,
        contributions: s.contributionIds.length,
        sections: {
          tokens,
          suffixArray,
          sample,
          firstTokenRows,
          docStarts,
          docContributions,
          contributionIds,
        },
      });
    }
    put(zeros.subarray(0, pad8(at) - at));
    const headerOffset = at;
    const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
    put(headerBytes);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(headerOffset % 2 ** 32, 0);
    trailer.writeUInt32LE(Math.floor(headerOffset / 2 ** 32), 4);
    trailer.writeUInt32LE(headerBytes.length, 8);
    createHash("sha256").update(headerBytes).digest().copy(trailer, 16);
    END_MAGIC.copy(trailer, 48);
    put(trailer);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export type LoadIndexOptions = {
  /**
   * "full" (default): also stream the tokens and suffix array once, checking their checksums, that every token
   * is a symbol, that separators end exactly the documents, that the first-token rows count the tokens, and that
   * the suffix array is a permutation agreeing with the sample (one sequential read of the file).
   * "structure": only the header, the resident sections (checksummed) and their invariants; suffix-array
   * rows are range-checked as they are read. For files this node wrote itself.
   */
  check?: "full" | "structure";
  /** Pages of 4 KiB kept in memory per open file (default 4096 = 16 MiB). */
  pages?: number;
};

/**
 * Opens an index file for searching in place: a missing, truncated, corrupted, malformed or other-version file
 * throws IndexFileError. The index holds the file open; `index.close()` releases it.
 */
export function loadIndex(path: string, { check = "full", pages }: LoadIndexOptions = {}): AttributionIndex {
  checkHost();
  const reader = openPageReader(path, { pages });
  try {
    return openIndex(reader, check);
  } catch (error) {
    reader.close();
    throw error;
  }
}

function openIndex(reader: PageReader, check: "full" | "structure"): AttributionIndex {
  const path = reader.path;
  const fail = (code: IndexFileErrorCode, message: string, details?: string) =>
    new IndexFileError(code, path, message, details);
  const size = reader.fileBytes;
  if (size < PRELUDE_BYTES || !Buffer.from(reader.bytes(0, 8)).equals(MAGIC)) {
    throw fail("BAD_MAGIC", `${path} is not an attribution index file.`);
  }
  const version = reader.u32(8);
  if (version === 1) {
    throw fail(
      "UNSUPPORTED_VERSION",
      `${path} is index format version 1 (loaded whole into memory), which this node no longer reads; rebuild it (olnode attribute index <folder> <indexFile>) to get version ${INDEX_FILE_VERSION}.`,
    );
  }
  if (version !== INDEX_FILE_VERSION) {
    throw fail(
      "UNSUPPORTED_VERSION",
      `${path} is index format version ${version}; this node reads version ${INDEX_FILE_VERSION}.`,
    );
  }
  if (size < PRELUDE_BYTES + TRAILER_BYTES) throw fail("TRUNCATED", `${path} ends before its trailer.`);
  const trailer = Buffer.from(reader.bytes(size - TRAILER_BYTES, TRAILER_BYTES));
  if (!trailer.subarray(48).equals(END_MAGIC)) {
    throw fail("TRUNCATED", `${path} does not end with its trailer: it is truncated or was never finished.`);
  }
  const headerOffset = trailer.readUInt32LE(0) + trailer.readUInt32LE(4) * 2 ** 32;
  const headerLength = trailer.readUInt32LE(8);
  if (headerOffset < PRELUDE_BYTES || headerOffset + headerLength !== size - TRAILER_BYTES) {
    throw fail("MALFORMED_HEADER", `${path}'s trailer does not point at its header.`);
  }
  const headerBytes = Buffer.from(reader.bytes(headerOffset, headerLength));
  if (!createHash("sha256").update(headerBytes).digest().equals(trailer.subarray(16, 48))) {
    throw fail("CHECKSUM_MISMATCH", `${path} is corrupted: its header checksum does not match.`);
  }
  let header: Header;
  try {
    header = JSON.parse(headerBytes.toString("utf8")) as Header;
  } catch (error) {
    throw fail("MALFORMED_HEADER", `${path} has a header that is not JSON.`, (error as Error).message);
  }
  const problem = headerProblem(header, headerOffset);
  if (problem) throw fail("MALFORMED_HEADER", `${path} has a malformed header: ${problem}.`);

  const resident = (name: SectionName, s: ShardHeader, k: number): Uint8Array => {
    const sec = s.sections[name];
    const bytes = reader.bytes(sec.offset, sec.length);
    if (createHash("sha256").update(bytes).digest("hex") !== sec.sha256) {
      throw fail(
        "CHECKSUM_MISMATCH",
        `${path} is corrupted: shard ${k}'s ${name} does not match its checksum.`,
      );
    }
    return bytes;
  };
  const words = (b: Uint8Array) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const shards = header.shards.map((s, k): DiskShard => {
    const n = s.tokens;
    const ids = resident("contributionIds", s, k);
    const contributionIds: bigint[] = [];
    for (let i = 0; i < s.contributions; i++) {
      contributionIds.push(
        BigInt(`0x${Buffer.from(ids.buffer, ids.byteOffset + 32 * i, 32).toString("hex")}`),
      );
    }
    const layout: DiskShardLayout = {
      size: n,
      tokensOffset: s.sections.tokens.offset,
      suffixArrayOffset: s.sections.suffixArray.offset,
      sampleEvery: header.sampleEvery,
      sampleTokens: header.sampleTokens,
      sample: words(resident("sample", s, k)),
      firstTokenRows: words(resident("firstTokenRows", s, k)),
      docStarts: words(resident("docStarts", s, k)),
      docContributions: words(resident("docContributions", s, k)),
      contributionIds,
    };
    const bad = contentProblem(layout, header.separator);
    if (bad) throw fail("MALFORMED_CONTENT", `${path}: shard ${k} ${bad}.`);
    if (check === "full") {
      const badStream = streamProblem(reader, s, layout, header.separator);
      if (badStream === "CHECKSUM") {
        throw fail(
          "CHECKSUM_MISMATCH",
          `${path} is corrupted: shard ${k}'s tokens or suffix array do not match their checksums.`,
        );
      }
      if (badStream) throw fail("MALFORMED_CONTENT", `${path}: shard ${k} ${badStream}.`);
    }
    return createDiskShard(reader, layout);
  });
  return createAttributionIndex({
    tokenizerId: header.tokenizerId,
    separator: header.separator,
    shards,
    close: () => reader.close(),
  });
}

const isCount = (v: unknown, max = 2 ** 32 - 1): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;

/** Why the header cannot describe a valid file, or undefined. Section lengths follow from the counts. */
function headerProblem(h: Header, headerOffset: number): string | undefined {
  if (typeof h !== "object" || h === null) return "not an object";
  if (typeof h.tokenizerId !== "string") return "tokenizerId is not a string";
  if (!isCount(h.separator, 0x7fff_fffe) || h.separator < 1) return "separator is not a token id";
  if (!isCount(h.sampleEvery, 1 << 16) || h.sampleEvery < 1) return "sampleEvery is not a positive integer";
  if (!isCount(h.sampleTokens, 64)) return "sampleTokens is not an integer in [0, 64]";
  if (!Array.isArray(h.shards)) return "shards is not an array";
  const all: Section[] = [];
  for (const [k, s] of h.shards.entries()) {
    if (typeof s !== "object" || s === null) return `shard ${k} is not an object`;
    if (!isCount(s.tokens) || !isCount(s.docs) || !isCount(s.contributions)) {
      return `shard ${k} has invalid counts`;
    }
    const expected: Record<SectionName, number> = {
      tokens: 4 * s.tokens,
      suffixArray: 4 * s.tokens,
      sample: 4 * Math.ceil(s.tokens / h.sampleEvery) * (h.sampleTokens + 1),
      firstTokenRows: 4 * (h.separator + 2),
      docStarts: 4 * (s.docs + 1),
      docContributions: 4 * s.docs,
      contributionIds: 32 * s.contributions,
    };
    if (typeof s.sections !== "object" || s.sections === null) return `shard ${k} has no sections`;
    for (const name of SECTION_NAMES) {
      const sec = s.sections[name];
      if (
        typeof sec !== "object" ||
        sec === null ||
        !isCount(sec.offset, Number.MAX_SAFE_INTEGER) ||
        sec.offset % 8 !== 0 ||
        sec.offset < PRELUDE_BYTES ||
        sec.length !== expected[name] ||
        sec.offset + sec.length > headerOffset ||
        typeof sec.sha256 !== "string" ||
        !/^[0-9a-f]{64}$/.test(sec.sha256)
      ) {
        return `shard ${k}'s ${name} section is out of place or of the wrong size`;
      }
      all.push(sec);
    }
  }
  all.sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < all.length; i++) {
    if (all[i - 1]!.offset + all[i - 1]!.length > all[i]!.offset) return "sections overlap";
  }
  return undefined;
}

/** Invariants of the resident sections that every search relies on, or undefined. */
function contentProblem(l: DiskShardLayout, separator: number): string | undefined {
  const n = l.size;
  const rows = l.firstTokenRows;
  if (rows[0] !== 0 || rows[separator + 1] !== n) return "first-token rows do not span the suffix array";
  for (let c = 0; c <= separator; c++)
    if (rows[c + 1]! < rows[c]!) return "first-token rows are not ascending";
  const docs = l.docContributions.length;
  const starts = l.docStarts;
  if (starts[0] !== 0 || starts[docs] !== n) return "document starts do not span the tokens";
  for (let d = 0; d < docs; d++) {
    if (starts[d + 1]! <= starts[d]!) return `document ${d} is empty or out of order`;
    if (l.docContributions[d]! >= l.contributionIds.length) return `document ${d} names no contribution`;
  }
  for (let i = 1; i < l.contributionIds.length; i++) {
    if (l.contributionIds[i - 1]! >= l.contributionIds[i]!) return "contribution ids are not ascending";
  }
  const stride = l.sampleTokens + 1;
  for (let s = 0; s < l.sample.length; s += stride) {
    if (l.sample[s]! >= n) return `sampled suffix-array row ${(s / stride) * l.sampleEvery} is past the end`;
  }
  return undefined;
}

/** The "full" check: one sequential pass over tokens and suffix array. "CHECKSUM", a problem, or undefined. */
function streamProblem(
  reader: PageReader,
  s: ShardHeader,
  l: DiskShardLayout,
  separator: number,
): string | undefined {
  const n = l.size;
  const counts = new Float64Array(separator + 1);
  let hash = createHash("sha256");
  let doc = 0;
  let problem: string | undefined;
  for (let i = 0; i < n; i += CHUNK_WORDS) {
    const words = Math.min(CHUNK_WORDS, n - i);
    const b = reader.bytes(l.tokensOffset + 4 * i, 4 * words);
    hash.update(b);
    const t = new Uint32Array(b.buffer, 0, words);
    for (let j = 0; j < words; j++) {
      const v = t[j]!;
      if (v > separator) {
        problem ??= `token ${v} at ${i + j} is not a symbol of the alphabet`;
        continue;
      }
      counts[v]!++;
      // A separator ends each document, and only there: no match runs from one document into the next.
      const endsDoc = l.docStarts[doc + 1] === i + j + 1;
      if ((v === separator) !== endsDoc) problem ??= `position ${i + j} breaks the document separators`;
      if (endsDoc) doc++;
    }
  }
  // A checksum mismatch is the likelier story (corruption), so it wins over what the bytes happen to break.
  if (hash.digest("hex") !== s.sections.tokens.sha256) return "CHECKSUM";
  if (problem) return problem;
  for (let c = 0; c <= separator; c++) {
    if (counts[c] !== l.firstTokenRows[c + 1]! - l.firstTokenRows[c]!)
      return `first-token rows miscount symbol ${c}`;
  }
  hash = createHash("sha256");
  const seen = new Uint8Array(Math.ceil(n / 8));
  const K = l.sampleEvery;
  const stride = l.sampleTokens + 1;
  for (let i = 0; i < n; i += CHUNK_WORDS) {
    const words = Math.min(CHUNK_WORDS, n - i);
    const b = reader.bytes(l.suffixArrayOffset + 4 * i, 4 * words);
    hash.update(b);
    const sa = new Uint32Array(b.buffer, 0, words);
    for (let j = 0; j < words; j++) {
      const p = sa[j]!;
      const r = i + j;
      if (p >= n || seen[p >>> 3]! & (1 << (p & 7))) {
        problem ??= `suffix array is not a permutation (row ${r})`;
        continue;
      }
      seen[p >>> 3]! |= 1 << (p & 7);
      if (r % K === 0 && l.sample[(r / K) * stride] !== p)
        problem ??= `sample disagrees with suffix-array row ${r}`;
    }
  }
  if (hash.digest("hex") !== s.sections.suffixArray.sha256) return "CHECKSUM";
  return problem;
}
