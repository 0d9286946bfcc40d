import { fmix32 } from "./hash32.ts";

/**
 * LSH band buckets for many entries in flat typed arrays: per band, an open-addressing table of bucket heads
 * and, per entry, a link to the next entry with the same band key. A `Map` per band cost one boxed entry per
 * (entry, band) — 320k for a 10k corpus — and most of the time of loading an index.
 */
export interface BandTable {
  /** Adds entry number `entry` (0, 1, 2, … in order) with its band keys. */
  insert(entry: number, keys: Uint32Array): void;
  /** Calls `visit` for every entry that shares at least one band key (possibly more than once). */
  forEachCandidate(keys: Uint32Array, visit: (entry: number) => void): void;
}

export function createBandTable(bands: number): BandTable {
  let capacity = 0;
  let entryKeys = new Uint32Array(0);
  let next = new Int32Array(0);
  let tableSize = 0;
  let heads = new Int32Array(0);
  let count = 0;

  function link(entry: number, band: number): void {
    const key = entryKeys[entry * bands + band]!;
    const mask = tableSize - 1;
    const base = band * tableSize;
    let slot = fmix32(key) & mask;
    for (;;) {
      const head = heads[base + slot]!;
      if (head === -1) {
        heads[base + slot] = entry;
        next[entry * bands + band] = -1;
        return;
      }
      if (entryKeys[head * bands + band] === key) {
        next[entry * bands + band] = head;
        heads[base + slot] = entry;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  function grow(): void {
    capacity = Math.max(1024, capacity * 2);
    const k = new Uint32Array(capacity * bands);
    k.set(entryKeys);
    entryKeys = k;
    next = new Int32Array(capacity * bands);
    tableSize = capacity * 2;
    heads = new Int32Array(bands * tableSize).fill(-1);
    for (let e = 0; e < count; e++) for (let b = 0; b < bands; b++) link(e, b);
  }

  return {
    insert(entry, keys) {
      if (entry !== count) throw new RangeError(`band table entries are added in order: expected ${count}`);
      if (count === capacity) grow();
      entryKeys.set(keys, entry * bands);
      count++;
      for (let b = 0; b < bands; b++) link(entry, b);
    },
    forEachCandidate(keys, visit) {
      if (count === 0) return;
      const mask = tableSize - 1;
      for (let b = 0; b < bands; b++) {
        const key = keys[b]!;
        const base = b * tableSize;
        let slot = fmix32(key) & mask;
        for (;;) {
          const head = heads[base + slot]!;
          if (head === -1) break;
          if (entryKeys[head * bands + b] === key) {
            for (let e = head; e !== -1; e = next[e * bands + b]!) visit(e);
            break;
          }
          slot = (slot + 1) & mask;
        }
      }
    },
  };
}
