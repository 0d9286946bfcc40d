import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { endianness } from "node:os";
import { IndexFileError } from "./attributionErrors.ts";
import { type AttributionIndex, createAttributionIndex } from "./createAttributionIndex.ts";
import type { IndexShard } from "./indexShard.ts";
import { encodeUint256 } from "./resultRoot.ts";

/**
 * Index file, version 1 (little-endian):
 *
 *   "OLPOAIDX" (8) ‖ version u32 ‖ headerLength u32 ‖ header (UTF-8 JSON) ‖ zero padding to 8
 *   per shard, each section padded to 8 bytes:
 *     tokens u32[n] ‖ suffixArray i32[n] ‖ docStarts u32[docs+1] ‖ docContributions u32[docs] ‖ ids uint256be[c]
 *   sha256 of everything before it (32)
 *
 * header = { tokenizerId, separator, shards: [{ tokens, docs, contributions }] }. Loading maps typed arrays
 * straight onto the file's bytes: no suffix array is rebuilt and nothing is copied.
 */
export const INDEX_FILE_VERSION = 1;
const MAGIC = Buffer.from("OLPOAIDX", "ascii");

type Header = {
  tokenizerId: string;
  separator: number;
  shards: { tokens: number; docs: number; contributions: number }[];
};

function pad8(n: number): number {
  return (n + 7) & ~7;
}

function checkHost(): void {
  if (endianness() !== "LE") throw new Error("Index files are little-endian; this host is big-endian.");
}

/** Writes atomically (temp file, fsync, rename), so a crash never leaves a half-written index in place. */
export function saveIndex(index: AttributionIndex, path: string): void {
  checkHost();
  const header: Header = {
    tokenizerId: index.tokenizerId,
    separator: index.separator,
    shards: index.shards.map((s) => ({
      tokens: s.tokens.length,
      docs: s.docContributions.length,
      contributions: s.contributionIds.length,
    })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const prelude = Buffer.alloc(pad8(16 + headerBytes.length));
  MAGIC.copy(prelude, 0);
  prelude.writeUInt32LE(INDEX_FILE_VERSION, 8);
  prelude.writeUInt32LE(headerBytes.length, 12);
  headerBytes.copy(prelude, 16);

  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  const hash = createHash("sha256");
  const write = (bytes: Uint8Array) => {
    hash.update(bytes);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    const padding = pad8(bytes.length) - bytes.length;
    if (padding > 0) {
      const zeros = new Uint8Array(padding);
      hash.update(zeros);
      writeSync(fd, zeros);
    }
  };
  const view = (a: Uint32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  try {
    write(prelude);
    for (const s of index.shards) {
      write(view(s.tokens));
      write(view(s.suffixArray));
      write(view(s.docStarts));
      write(view(s.docContributions));
      const ids = new Uint8Array(32 * s.contributionIds.length);
      for (const [i, id] of s.contributionIds.entries()) ids.set(encodeUint256(id), 32 * i);
      write(ids);
    }
    writeSync(fd, hash.digest());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Loads an index file; a missing, truncated, corrupted or newer-version file throws IndexFileError. */
export function loadIndex(path: string): AttributionIndex {
  checkHost();
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (error) {
    throw new IndexFileError("NOT_FOUND", path, `Cannot read index file ${path}.`, (error as Error).message);
  }
  return decodeIndex(raw, path);
}

export function decodeIndex(raw: Uint8Array, path = "<memory>"): AttributionIndex {
  // Typed-array views need 4-byte alignment; small Buffers can sit at any offset of Node's pool.
  const bytes = raw.byteOffset % 8 === 0 ? raw : new Uint8Array(raw);
  const fail = (code: ConstructorParameters<typeof IndexFileError>[0], message: string, details?: string) =>
    new IndexFileError(code, path, message, details);
  if (bytes.length < 16 + 32 || !Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(MAGIC)) {
    throw fail("BAD_MAGIC", `${path} is not an attribution index file.`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== INDEX_FILE_VERSION) {
    throw fail(
      "UNSUPPORTED_VERSION",
      `${path} is index format version ${version}; this node reads version ${INDEX_FILE_VERSION}.`,
    );
  }
  const bodyLength = bytes.length - 32;
  const digest = createHash("sha256").update(bytes.subarray(0, bodyLength)).digest();
  if (!digest.equals(bytes.subarray(bodyLength))) {
    throw fail("CHECKSUM_MISMATCH", `${path} is corrupted: its checksum does not match its contents.`);
  }
  const headerLength = dv.getUint32(12, true);
  if (16 + headerLength > bodyLength) throw fail("TRUNCATED", `${path} ends inside its header.`);
  let header: Header;
  try {
    header = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset + 16, headerLength).toString("utf8"),
    ) as Header;
    if (
      typeof header.tokenizerId !== "string" ||
      !Number.isInteger(header.separator) ||
      !Array.isArray(header.shards)
    ) {
      throw new Error("missing tokenizerId, separator or shards");
    }
  } catch (error) {
    throw fail("MALFORMED_HEADER", `${path} has a malformed header.`, (error as Error).message);
  }
  let at = pad8(16 + headerLength);
  const take = (byteLength: number): number => {
    const start = at;
    at += pad8(byteLength);
    if (at > bodyLength) throw fail("TRUNCATED", `${path} is shorter than its header says.`);
    return bytes.byteOffset + start;
  };
  const shards: IndexShard[] = [];
  for (const h of header.shards) {
    if (![h.tokens, h.docs, h.contributions].every((v) => Number.isInteger(v) && v >= 0)) {
      throw fail("MALFORMED_HEADER", `${path} has a malformed shard entry.`, JSON.stringify(h));
    }
    const tokens = new Uint32Array(bytes.buffer, take(4 * h.tokens), h.tokens);
    const suffixArray = new Int32Array(bytes.buffer, take(4 * h.tokens), h.tokens);
    const docStarts = new Uint32Array(bytes.buffer, take(4 * (h.docs + 1)), h.docs + 1);
    const docContributions = new Uint32Array(bytes.buffer, take(4 * h.docs), h.docs);
    const idsAt = take(32 * h.contributions);
    const contributionIds: bigint[] = [];
    for (let i = 0; i < h.contributions; i++) {
      const hex = Buffer.from(bytes.buffer, idsAt + 32 * i, 32).toString("hex");
      contributionIds.push(BigInt(`0x${hex}`));
    }
    shards.push({ tokens, suffixArray, docStarts, docContributions, contributionIds });
  }
  if (at !== bodyLength) throw fail("MALFORMED_HEADER", `${path} has ${bodyLength - at} unexpected bytes.`);
  return createAttributionIndex({ tokenizerId: header.tokenizerId, separator: header.separator, shards });
}
