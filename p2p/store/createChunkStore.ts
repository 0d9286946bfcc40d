import { createHash } from "node:crypto";
import { Level } from "level";
import type { Common } from "../../config/common/createCommon.ts";
import { RetryableError } from "../../config/errors/BaseError.ts";
import { type Hash, toHex } from "../../contracts/merkle/chunkTree.ts";
import type { ChunkMessage } from "../chunks/chunkMessage.ts";
import { indexOfEntryKey, keys } from "./storeKeys.ts";

export type ContributionRecord = {
  dataRoot: Hash;
  datanetId: bigint;
  count: number;
  present: number;
  /** Bytes of this contribution's chunks held (shared chunks counted once per contribution). */
  bytes: number;
  complete: boolean;
  completedAt?: number;
};

export type StoreTotals = { chunkBytes: number; chunks: number; contributions: number };

export type PutChunkResult = { added: boolean; complete: boolean; record: ContributionRecord };

export type IntegrityReport = { ok: boolean; problems: string[]; checkedChunks: number };

export type ChunkStore = {
  /** Stores a verified chunk in one atomic batch; a chunk already present is a no-op (`added: false`). */
  putChunk(message: ChunkMessage): Promise<PutChunkResult>;
  hasChunk(dataRoot: Hash, index: number): Promise<boolean>;
  /** The chunk as a full message (with its proof), ready to serve to a peer. */
  getChunk(dataRoot: Hash, index: number): Promise<ChunkMessage | undefined>;
  getContribution(dataRoot: Hash): Promise<ContributionRecord | undefined>;
  /** Indices of `dataRoot` not yet stored, given the committed chunk count. */
  missingIndices(dataRoot: Hash, count: number): Promise<number[]>;
  /** The contribution's bytes in order, or undefined unless every chunk is present. */
  readContribution(dataRoot: Hash): Promise<Uint8Array | undefined>;
  listContributions(datanetId?: bigint): Promise<ContributionRecord[]>;
  /**
   * Drops a contribution (e.g. quorum rejected it) and remembers that it did, so its chunks are refused from
   * then on; chunks still used by another contribution stay. True when there was something to drop.
   */
  pruneContribution(dataRoot: Hash): Promise<boolean>;
  /**
   * Takes chunks of a pruned contribution again (the Datanet owner accepted it after a rejection). True when it
   * had been pruned.
   */
  unpruneContribution(dataRoot: Hash): Promise<boolean>;
  totals(): StoreTotals;
  /** Records a peer ban (`untilMs` epoch ms) so it survives a restart; replaces an earlier one. */
  putBan(ban: StoredBan): Promise<void>;
  deleteBan(peerId: string): Promise<void>;
  /** Bans still in force at `nowMs`; expired ones are deleted on the way. */
  listBans(nowMs: number): Promise<StoredBan[]>;
  /** Full scan: every index entry has its chunk, every chunk hashes right, counters match. */
  verifyIntegrity(): Promise<IntegrityReport>;
  close(): Promise<void>;
};

export type StoredBan = { peerId: string; untilMs: number; reason: string };

export class ChunkStoreOpenError extends RetryableError {
  override name = "ChunkStoreOpenError";
}

type RecordJson = {
  datanetId: string;
  count: number;
  present: number;
  bytes: number;
  complete: boolean;
  completedAt?: number;
};

const text = new TextEncoder();
const untext = new TextDecoder();
const json = (value: unknown) => text.encode(JSON.stringify(value));

function toRecord(dataRoot: Hash, raw: Uint8Array): ContributionRecord {
  const j = JSON.parse(untext.decode(raw)) as RecordJson;
  return { ...j, dataRoot, datanetId: BigInt(j.datanetId) };
}

function fromRecord(r: ContributionRecord): Uint8Array {
  const j: RecordJson = {
    datanetId: r.datanetId.toString(),
    count: r.count,
    present: r.present,
    bytes: r.bytes,
    complete: r.complete,
  };
  if (r.completedAt !== undefined) j.completedAt = r.completedAt;
  return json(j);
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}
const readU32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0);

export type CreateChunkStoreParameters = {
  /** Directory of the LevelDB database (created if missing). */
  path: string;
  /**
   * fsync every batch. Off by default: LevelDB's write-ahead log already makes a batch atomic across a
   * process crash (kill -9); fsync only adds protection against power loss, at a large cost per chunk.
   */
  sync?: boolean;
};

/**
 * The content-addressed chunk store on LevelDB. All writes go through one queue so the cached counters
 * (per-contribution records, totals) never race; each write is a single atomic batch, so a crash at any
 * point leaves either the whole chunk (bytes, index entry, record, counters) or none of it.
 */
export async function createChunkStore(
  common: Common,
  parameters: CreateChunkStoreParameters,
): Promise<ChunkStore> {
  const db = new Level<string, Uint8Array>(parameters.path, { keyEncoding: "utf8", valueEncoding: "view" });
  try {
    await db.open();
  } catch (cause) {
    throw new ChunkStoreOpenError(`Cannot open the chunk store at ${parameters.path}.`, {
      cause,
      hint: "Another olnode may hold its lock; stop it or point p2p.storePath elsewhere.",
    });
  }
  const writeOptions = { sync: parameters.sync ?? false };
  const metricBytes = common.metrics.gauge("p2p_store_bytes", "Unique chunk bytes held in the chunk store");
  const metricChunks = common.metrics.gauge("p2p_store_chunks", "Unique chunks held in the chunk store");

  const totalsRaw = await db.get(keys.totals);
  let totals: StoreTotals = totalsRaw
    ? (JSON.parse(untext.decode(totalsRaw)) as StoreTotals)
    : { chunkBytes: 0, chunks: 0, contributions: 0 };
  const publish = () => {
    metricBytes.set(totals.chunkBytes);
    metricChunks.set(totals.chunks);
  };
  publish();

  // One writer at a time; readers never wait for it.
  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  }

  async function getRecord(dataRoot: Hash): Promise<ContributionRecord | undefined> {
    const raw = await db.get(keys.record(dataRoot));
    return raw ? toRecord(dataRoot, raw) : undefined;
  }

  async function putChunkNow(message: ChunkMessage): Promise<PutChunkResult> {
    const dataRoot = toHex(message.dataRoot);
    const chunkHash = toHex(message.chunkHash);
    const existing = await getRecord(dataRoot);
    const record: ContributionRecord = existing ?? {
      dataRoot,
      datanetId: message.datanetId,
      count: message.count,
      present: 0,
      bytes: 0,
      complete: false,
    };
    const entryKey = keys.entry(dataRoot, message.index);
    if ((await db.get(entryKey)) !== undefined) return { added: false, complete: record.complete, record };
    // A late gossip copy or an in-flight sync response must not resurrect a pruned contribution.
    if ((await db.get(keys.tombstone(dataRoot))) !== undefined)
      return { added: false, complete: false, record };
    const refsRaw = await db.get(keys.refs(chunkHash));
    const refs = refsRaw ? readU32(refsRaw) : 0;
    const entry = new Uint8Array(32 + 32 * message.proof.length);
    entry.set(message.chunkHash, 0);
    for (const [i, p] of message.proof.entries()) entry.set(p, 32 + 32 * i);
    const next: ContributionRecord = {
      ...record,
      present: record.present + 1,
      bytes: record.bytes + message.bytes.length,
    };
    next.complete = next.present === next.count;
    if (next.complete) next.completedAt = Date.now();
    const nextTotals: StoreTotals = {
      chunkBytes: totals.chunkBytes + (refs === 0 ? message.bytes.length : 0),
      chunks: totals.chunks + (refs === 0 ? 1 : 0),
      contributions: totals.contributions + (existing ? 0 : 1),
    };
    const batch = db.batch();
    if (refs === 0) batch.put(keys.chunk(chunkHash), message.bytes);
    batch.put(keys.refs(chunkHash), u32(refs + 1));
    batch.put(entryKey, entry);
    batch.put(keys.record(dataRoot), fromRecord(next));
    if (!existing) batch.put(keys.datanet(message.datanetId, dataRoot), new Uint8Array(0));
    batch.put(keys.totals, json(nextTotals));
    await batch.write(writeOptions);
    totals = nextTotals;
    publish();
    return { added: true, complete: next.complete, record: next };
  }

  async function pruneNow(dataRoot: Hash): Promise<boolean> {
    const record = await getRecord(dataRoot);
    const batch = db.batch();
    batch.put(keys.tombstone(dataRoot), new Uint8Array(0));
    if (!record) {
      await batch.write(writeOptions);
      return false;
    }
    const nextTotals = { ...totals, contributions: totals.contributions - 1 };
    const refDelta = new Map<string, number>();
    for await (const [key, value] of db.iterator(keys.entriesOf(dataRoot))) {
      batch.del(key);
      const h = toHex(value.subarray(0, 32));
      refDelta.set(h, (refDelta.get(h) ?? 0) + 1);
    }
    for (const [h, drop] of refDelta) {
      const raw = await db.get(keys.refs(h));
      const refs = raw ? readU32(raw) : 0;
      if (refs <= drop) {
        const bytes = await db.get(keys.chunk(h));
        nextTotals.chunkBytes -= bytes?.length ?? 0;
        nextTotals.chunks -= bytes ? 1 : 0;
        batch.del(keys.chunk(h));
        batch.del(keys.refs(h));
      } else {
        batch.put(keys.refs(h), u32(refs - drop));
      }
    }
    batch.del(keys.record(dataRoot));
    batch.del(keys.datanet(record.datanetId, dataRoot));
    batch.put(keys.totals, json(nextTotals));
    await batch.write(writeOptions);
    totals = nextTotals;
    publish();
    return true;
  }

  const store: ChunkStore = {
    putChunk: (message) => exclusive(() => putChunkNow(message)),
    pruneContribution: (dataRoot) => exclusive(() => pruneNow(dataRoot.toLowerCase() as Hash)),
    unpruneContribution: (dataRoot) =>
      exclusive(async () => {
        const key = keys.tombstone(dataRoot.toLowerCase());
        if ((await db.get(key)) === undefined) return false;
        await db.del(key, writeOptions);
        return true;
      }),
    async hasChunk(dataRoot, index) {
      return (await db.get(keys.entry(dataRoot.toLowerCase(), index))) !== undefined;
    },
    async getChunk(dataRoot, index) {
      const root = dataRoot.toLowerCase() as Hash;
      const [entry, record] = await Promise.all([db.get(keys.entry(root, index)), getRecord(root)]);
      if (!entry || !record) return undefined;
      const chunkHash = entry.subarray(0, 32);
      const bytes = await db.get(keys.chunk(toHex(chunkHash)));
      if (!bytes) return undefined;
      const proof: Uint8Array[] = [];
      for (let o = 32; o < entry.length; o += 32) proof.push(entry.subarray(o, o + 32));
      return {
        datanetId: record.datanetId,
        dataRoot: Buffer.from(root.slice(2), "hex"),
        index,
        count: record.count,
        chunkHash,
        proof,
        bytes,
      };
    },
    getContribution: (dataRoot) => getRecord(dataRoot.toLowerCase() as Hash),
    async missingIndices(dataRoot, count) {
      const present = new Set<number>();
      for await (const key of db.keys(keys.entriesOf(dataRoot.toLowerCase())))
        present.add(indexOfEntryKey(key));
      const missing: number[] = [];
      for (let i = 0; i < count; i++) if (!present.has(i)) missing.push(i);
      return missing;
    },
    async readContribution(dataRoot) {
      const root = dataRoot.toLowerCase() as Hash;
      const record = await getRecord(root);
      if (!record?.complete) return undefined;
      const hashes: string[] = [];
      for await (const value of db.values(keys.entriesOf(root))) hashes.push(toHex(value.subarray(0, 32)));
      if (hashes.length !== record.count) return undefined;
      const chunks = await db.getMany(hashes.map(keys.chunk));
      if (chunks.some((c) => c === undefined)) return undefined;
      return Buffer.concat(chunks as Uint8Array[]);
    },
    async listContributions(datanetId) {
      const out: ContributionRecord[] = [];
      if (datanetId === undefined) {
        for await (const [key, value] of db.iterator(keys.records))
          out.push(toRecord(key.slice(2) as Hash, value));
        return out;
      }
      const roots: Hash[] = [];
      for await (const key of db.keys(keys.datanetRoots(datanetId)))
        roots.push(key.slice(key.lastIndexOf("/") + 1) as Hash);
      for (const root of roots) {
        const r = await getRecord(root);
        if (r) out.push(r);
      }
      return out;
    },
    totals: () => ({ ...totals }),
    async verifyIntegrity() {
      const problems: string[] = [];
      const refs = new Map<string, number>();
      let contributions = 0;
      let checkedChunks = 0;
      for await (const [key, value] of db.iterator(keys.records)) {
        contributions++;
        const root = key.slice(2) as Hash;
        const record = toRecord(root, value);
        let present = 0;
        let bytes = 0;
        for await (const [entryKey, entry] of db.iterator(keys.entriesOf(root))) {
          present++;
          const h = toHex(entry.subarray(0, 32));
          refs.set(h, (refs.get(h) ?? 0) + 1);
          const chunk = await db.get(keys.chunk(h));
          if (!chunk) {
            problems.push(`${entryKey}: chunk ${h} missing`);
            continue;
          }
          bytes += chunk.length;
          if (toHex(createHash("sha256").update(chunk).digest()) !== h)
            problems.push(`${entryKey}: chunk hash mismatch`);
        }
        if (present !== record.present)
          problems.push(`${root}: record says ${record.present} present, found ${present}`);
        if (bytes !== record.bytes)
          problems.push(`${root}: record says ${record.bytes} bytes, found ${bytes}`);
        if (record.complete !== (present === record.count)) problems.push(`${root}: completeness flag wrong`);
        if ((await db.get(keys.datanet(record.datanetId, root))) === undefined)
          problems.push(`${root}: no datanet index`);
      }
      let chunkBytes = 0;
      for await (const [key, value] of db.iterator({ gt: "c/", lt: "c/~" })) {
        checkedChunks++;
        chunkBytes += value.length;
        const h = key.slice(2);
        const raw = await db.get(keys.refs(h));
        const stored = raw ? readU32(raw) : 0;
        if (stored !== (refs.get(h) ?? 0))
          problems.push(`${key}: refcount ${stored}, used ${refs.get(h) ?? 0} times`);
      }
      const t = totals;
      if (t.chunks !== checkedChunks || t.chunkBytes !== chunkBytes || t.contributions !== contributions) {
        problems.push(
          `totals ${JSON.stringify(t)} ≠ scanned ${checkedChunks} chunks/${chunkBytes} B/${contributions}`,
        );
      }
      return { ok: problems.length === 0, problems, checkedChunks };
    },
    putBan(ban) {
      const value = new TextEncoder().encode(JSON.stringify({ untilMs: ban.untilMs, reason: ban.reason }));
      return exclusive(() => db.put(keys.ban(ban.peerId), value, writeOptions));
    },
    deleteBan(peerId) {
      return exclusive(() => db.del(keys.ban(peerId), writeOptions));
    },
    async listBans(nowMs) {
      const out: StoredBan[] = [];
      const expired: string[] = [];
      for await (const [key, value] of db.iterator(keys.bans)) {
        let parsed: { untilMs?: unknown; reason?: unknown } = {};
        try {
          parsed = JSON.parse(untext.decode(value)) as typeof parsed;
        } catch {
          // An unreadable entry is dropped like an expired one.
        }
        const untilMs = typeof parsed.untilMs === "number" ? parsed.untilMs : 0;
        if (untilMs <= nowMs) expired.push(key);
        else out.push({ peerId: key.slice(2), untilMs, reason: String(parsed.reason ?? "") });
      }
      if (expired.length > 0)
        await exclusive(() =>
          db.batch(
            expired.map((key) => ({ type: "del" as const, key })),
            writeOptions,
          ),
        );
      return out;
    },
    async close() {
      await queue;
      await db.close();
    },
  };
  return store;
}
