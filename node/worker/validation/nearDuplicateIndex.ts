import type { Hex } from "viem";
import { createBandTable } from "./bandTable.ts";
import { BANDS, bandKeys, computeSignature, type Signature, SLOTS, similarityBps } from "./minhash.ts";
import { computeTextFeatures, SHINGLE_WORDS } from "./textFeatures.ts";
import { NearDuplicateIndexFormatError, ValidationInputError } from "./validationErrors.ts";

/** What the index keeps per contribution: 32 + 512 bytes, whatever the contribution's size. */
export type ContentFingerprint = {
  /** sha256 of the normalised text (see textFeatures.ts). */
  contentHash: Hex;
  /** MinHash signature; `undefined` when the text has no words. */
  signature: Signature | undefined;
};

export type NearDuplicateCandidate = {
  contributionId: bigint;
  /** Estimated Jaccard similarity of the 3-word shingle sets, in basis points (0..10000). */
  similarityBps: number;
};

export type NearDuplicateQueryOptions = {
  /** Drop candidates estimated below this; default 0 (every LSH candidate). */
  minSimilarityBps?: number;
  /** Ignore this contribution (the subject itself, when it is already in the corpus). */
  excludeId?: bigint;
};

/**
 * The accepted corpus of one Datanet, for duplicate checks. Results never depend on insertion order: exact
 * matches report the smallest id, candidates are sorted by similarity (descending) then id (ascending), so two
 * workers holding the same corpus write the same report.
 */
export interface NearDuplicateIndex {
  readonly size: number;
  /** Adds a contribution; false (and no change) when the id is already present. */
  add(contributionId: bigint, text: string): boolean;
  addFingerprint(contributionId: bigint, fingerprint: ContentFingerprint): boolean;
  has(contributionId: bigint): boolean;
  query(text: string, options?: NearDuplicateQueryOptions): NearDuplicateCandidate[];
  queryFingerprint(
    fingerprint: ContentFingerprint,
    options?: NearDuplicateQueryOptions,
  ): NearDuplicateCandidate[];
  /** The smallest contribution id whose normalised content has this hash. */
  exactMatch(contentHash: Hex, options?: { excludeId?: bigint }): bigint | undefined;
  hasExactHash(contentHash: Hex): boolean;
  /** Versioned binary form; `nearDuplicateIndexFromBytes` reads it back. */
  toBytes(): Uint8Array;
}

export function fingerprintText(text: string): ContentFingerprint {
  const f = computeTextFeatures(text);
  return { contentHash: f.contentHash, signature: computeSignature(f.shingles) };
}

const MAX_ID = (1n << 256n) - 1n;
const HASH_RE = /^0x[0-9a-f]{64}$/;

function checkId(id: bigint): void {
  if (typeof id !== "bigint" || id < 0n || id > MAX_ID) {
    throw new ValidationInputError(`Contribution id must be a uint256 bigint, got ${String(id)}.`, {
      hint: "Pass the on-chain contribution id as a bigint.",
    });
  }
}

export function createNearDuplicateIndex(): NearDuplicateIndex {
  const ids: bigint[] = [];
  const hashes: Hex[] = [];
  const signatures: (Signature | undefined)[] = [];
  const byId = new Set<bigint>();
  /** Entry numbers of the entries that have a signature, by their position in the band table. */
  const sigEntries: number[] = [];
  const exact = new Map<Hex, bigint[]>();
  const bands = createBandTable(BANDS);

  function addFingerprint(contributionId: bigint, fingerprint: ContentFingerprint): boolean {
    checkId(contributionId);
    const hash = fingerprint.contentHash.toLowerCase() as Hex;
    if (!HASH_RE.test(hash)) {
      throw new ValidationInputError(`Content hash must be 32 bytes of hex, got ${hash.slice(0, 80)}.`);
    }
    const sig = fingerprint.signature;
    if (sig !== undefined && sig.length !== SLOTS) {
      throw new ValidationInputError(`A signature has ${SLOTS} slots, got ${sig.length}.`);
    }
    if (byId.has(contributionId)) return false;
    const entry = ids.length;
    byId.add(contributionId);
    ids.push(contributionId);
    hashes.push(hash);
    // Copied so a caller reusing its array cannot change the index; `fromBytes` hands over fresh ones.
    signatures.push(sig === undefined ? undefined : Uint32Array.from(sig));
    const same = exact.get(hash);
    if (same) same.push(contributionId);
    else exact.set(hash, [contributionId]);
    // Entries without a signature take no band slot: they can only be exact matches.
    if (sig !== undefined) {
      sigEntries.push(entry);
      bands.insert(sigEntries.length - 1, bandKeys(sig));
    }
    return true;
  }

  function queryFingerprint(
    fingerprint: ContentFingerprint,
    options: NearDuplicateQueryOptions = {},
  ): NearDuplicateCandidate[] {
    const sig = fingerprint.signature;
    if (sig === undefined) return [];
    const keys = bandKeys(sig);
    const seen = new Set<number>();
    bands.forEachCandidate(keys, (e) => seen.add(sigEntries[e]!));
    const min = options.minSimilarityBps ?? 0;
    const out: NearDuplicateCandidate[] = [];
    for (const e of seen) {
      if (options.excludeId !== undefined && ids[e] === options.excludeId) continue;
      const s = similarityBps(sig, signatures[e]!);
      if (s >= min) out.push({ contributionId: ids[e]!, similarityBps: s });
    }
    return out.sort((a, b) =>
      a.similarityBps !== b.similarityBps
        ? b.similarityBps - a.similarityBps
        : a.contributionId < b.contributionId
          ? -1
          : a.contributionId > b.contributionId
            ? 1
            : 0,
    );
  }

  function exactMatch(contentHash: Hex, options: { excludeId?: bigint } = {}): bigint | undefined {
    let best: bigint | undefined;
    for (const id of exact.get(contentHash.toLowerCase() as Hex) ?? []) {
      if (id === options.excludeId) continue;
      if (best === undefined || id < best) best = id;
    }
    return best;
  }

  return {
    get size() {
      return ids.length;
    },
    add: (contributionId, text) => addFingerprint(contributionId, fingerprintText(text)),
    addFingerprint,
    has: (contributionId) => byId.has(contributionId),
    query: (text, options) => queryFingerprint(fingerprintText(text), options),
    queryFingerprint,
    exactMatch,
    hasExactHash: (contentHash) => exact.has(contentHash.toLowerCase() as Hex),
    toBytes: () => encodeIndex(ids, hashes, signatures),
  };
}

/*
 * Binary format, version 1 (all integers big-endian except signature slots, little-endian uint32):
 *   "OLND" | u16 version=1 | u16 slots | u16 bands | u16 shingleWords | u32 count
 *   count × ( u8 idLength (0..32) | id bytes | 32-byte contentHash | u8 hasSignature | slots × u32 )
 * The MinHash parameters are written so that an index built with other parameters is refused, not misread.
 */
const MAGIC = [0x4f, 0x4c, 0x4e, 0x44];
const VERSION = 1;
const HEADER = 16;

function idBytes(id: bigint): Uint8Array {
  let hex = id.toString(16);
  if (id === 0n) hex = "";
  if (hex.length % 2) hex = `0${hex}`;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function encodeIndex(ids: bigint[], hashes: Hex[], signatures: (Signature | undefined)[]): Uint8Array {
  const idParts = ids.map(idBytes);
  let size = HEADER;
  for (let i = 0; i < ids.length; i++)
    size += 1 + idParts[i]!.length + 32 + 1 + (signatures[i] ? SLOTS * 4 : 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, VERSION);
  view.setUint16(6, SLOTS);
  view.setUint16(8, BANDS);
  view.setUint16(10, SHINGLE_WORDS);
  view.setUint32(12, ids.length);
  let o = HEADER;
  for (let i = 0; i < ids.length; i++) {
    const id = idParts[i]!;
    out[o++] = id.length;
    out.set(id, o);
    o += id.length;
    out.set(Buffer.from(hashes[i]!.slice(2), "hex"), o);
    o += 32;
    const sig = signatures[i];
    out[o++] = sig ? 1 : 0;
    if (sig) {
      for (let s = 0; s < SLOTS; s++) view.setUint32(o + s * 4, sig[s]!, true);
      o += SLOTS * 4;
    }
  }
  return out;
}

function formatError(what: string): NearDuplicateIndexFormatError {
  return new NearDuplicateIndexFormatError(`Cannot read the near-duplicate index: ${what}.`, {
    hint: "Delete the persisted index and rebuild it from the Datanet's accepted contributions.",
  });
}

export function nearDuplicateIndexFromBytes(bytes: Uint8Array): NearDuplicateIndex {
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) throw formatError("not an index file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4);
  if (version !== VERSION) throw formatError(`version ${version}, this node reads version ${VERSION}`);
  const params = [view.getUint16(6), view.getUint16(8), view.getUint16(10)];
  if (params[0] !== SLOTS || params[1] !== BANDS || params[2] !== SHINGLE_WORDS) {
    throw formatError(`built with slots/bands/shingle words ${params.join("/")}`);
  }
  const count = view.getUint32(12);
  const index = createNearDuplicateIndex();
  let o = HEADER;
  const need = (n: number) => {
    if (o + n > bytes.length) throw formatError(`truncated at byte ${o}`);
  };
  for (let i = 0; i < count; i++) {
    need(1);
    const idLength = bytes[o++]!;
    if (idLength > 32) throw formatError(`id of ${idLength} bytes at entry ${i}`);
    need(idLength + 33);
    const id =
      idLength === 0 ? 0n : BigInt(`0x${Buffer.from(bytes.subarray(o, o + idLength)).toString("hex")}`);
    o += idLength;
    const contentHash = `0x${Buffer.from(bytes.subarray(o, o + 32)).toString("hex")}` as Hex;
    o += 32;
    const hasSignature = bytes[o++];
    let signature: Signature | undefined;
    if (hasSignature === 1) {
      need(SLOTS * 4);
      signature = new Uint32Array(SLOTS);
      for (let s = 0; s < SLOTS; s++) signature[s] = view.getUint32(o + s * 4, true);
      o += SLOTS * 4;
    } else if (hasSignature !== 0) {
      throw formatError(`bad signature flag at entry ${i}`);
    }
    if (!index.addFingerprint(id, { contentHash, signature })) throw formatError(`duplicate id ${id}`);
  }
  if (o !== bytes.length) throw formatError(`${bytes.length - o} trailing bytes`);
  return index;
}
