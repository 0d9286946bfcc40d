/**
 * Deterministic 32-bit hashing for shingles and MinHash. `Math.imul` and `>>> 0` keep every step in uint32, so
 * every engine and every machine computes the same values (no floats, no platform hash seeds).
 */

/** MurmurHash3's finaliser: a bijection on uint32 with full avalanche. */
export function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Order-sensitive combination of two uint32s: mix2(a, b) ≠ mix2(b, a). */
export function mix2(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/** FNV-1a over the string's UTF-16 code units, finalised with fmix32 (FNV alone avalanches poorly). */
export function hashString32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}
