import { fmix32, mix2 } from "./hash32.ts";

/**
 * One-permutation MinHash with optimal densification (Shrivastava, ICML 2017): each shingle is hashed once and
 * lands in one of `SLOTS` bins, each bin keeps its minimum; empty bins borrow a non-empty bin's value along a
 * fixed pseudo-random probe sequence. The chance two signatures agree in a slot equals the Jaccard similarity
 * of the shingle sets, as with classic k-hash MinHash, but a 1 MiB text costs one hash per shingle, not 128.
 *
 * Every seed below is a fixed constant: changing one changes every signature, so it needs a new index version.
 */
export const SLOTS = 128;
export const BANDS = 32;
export const ROWS = SLOTS / BANDS;

const BIN_SEED = 0x2545f491;
const VALUE_SEED = 0x9e3779b9;
const PROBE_SEED = 0x6a09e667;
const BAND_SEED = 0xbb67ae85;

export type Signature = Uint32Array;

/**
 * The signature of a shingle multiset (repeats change nothing: a bin keeps its minimum). `undefined` for no
 * shingles at all: an empty text has no meaningful similarity to anything.
 */
export function computeSignature(shingles: Uint32Array): Signature | undefined {
  if (shingles.length === 0) return undefined;
  const sig = new Uint32Array(SLOTS).fill(0xffffffff);
  const filled = new Uint8Array(SLOTS);
  for (let i = 0; i < shingles.length; i++) {
    const x = shingles[i]!;
    const bin = fmix32(x ^ BIN_SEED) & (SLOTS - 1);
    const value = fmix32(x ^ VALUE_SEED);
    if (value <= sig[bin]!) sig[bin] = value;
    filled[bin] = 1;
  }
  const out = sig.slice();
  for (let bin = 0; bin < SLOTS; bin++) {
    if (filled[bin]) continue;
    // Terminates: at least one bin is filled, and the probe sequence is an unbounded hash stream.
    for (let attempt = 1; ; attempt++) {
      const j = mix2(mix2(PROBE_SEED, bin), attempt) & (SLOTS - 1);
      if (filled[j]) {
        out[bin] = sig[j]!;
        break;
      }
    }
  }
  return out;
}

/** Estimated Jaccard similarity in basis points (0..10000): agreeing slots over all slots, floored. */
export function similarityBps(a: Signature, b: Signature): number {
  let same = 0;
  for (let i = 0; i < SLOTS; i++) if (a[i] === b[i]) same++;
  return Math.floor((same * 10000) / SLOTS);
}

/** One 32-bit key per band of `ROWS` slots; two signatures become LSH candidates when any band key matches. */
export function bandKeys(sig: Signature): Uint32Array {
  const keys = new Uint32Array(BANDS);
  for (let b = 0; b < BANDS; b++) {
    let h = mix2(BAND_SEED, b);
    for (let r = 0; r < ROWS; r++) h = mix2(h, sig[b * ROWS + r]!);
    keys[b] = h;
  }
  return keys;
}
