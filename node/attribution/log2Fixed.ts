/** Fractional bits of the fixed-point logarithms used in hashed results. */
export const LOG2_FRACTION_BITS = 16;

const ONE = 33_554_432; // 2^25: the mantissa's fixed point
const TWO = 2 * ONE;
const LIMIT = 2_147_483_648; // 2^31
// Powers of two by doubling: exact, unlike `**`, which the spec lets engines approximate.
const POW2: number[] = [1];
for (let i = 1; i <= 31; i++) POW2.push(POW2[i - 1]! * 2);

/**
 * 2^16 · log2(x) rounded down, for an integer 1 ≤ x < 2^31, identically on every engine: Math.log is
 * implementation-approximated by the spec, so two machines could disagree in the last bit and hash different
 * results. Digit-by-digit method: square the mantissa, and each time it passes 2 that bit of the logarithm is
 * 1. Every step is a product below 2^53 or a division by a power of two, so each step is exact; the truncated
 * mantissa makes the answer up to ~1.01 units low instead of < 1, which is harmless: all that matters for
 * hashing is that every node computes the same integer.
 */
export function log2Fixed(x: number): number {
  if (!Number.isInteger(x) || x < 1 || x >= LIMIT)
    throw new RangeError(`log2Fixed needs an integer in [1, 2^31), got ${x}.`);
  const intPart = 31 - Math.clz32(x);
  // Mantissa in [1, 2) as a 25-bit fixed-point integer: y / 2^25.
  let y = Math.floor((x * ONE) / POW2[intPart]!);
  let result = intPart;
  for (let b = 0; b < LOG2_FRACTION_BITS; b++) {
    y = Math.floor((y * y) / ONE);
    result *= 2;
    if (y >= TWO) {
      y = Math.floor(y / 2);
      result += 1;
    }
  }
  return result;
}
