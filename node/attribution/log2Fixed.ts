/** Fractional bits of the fixed-point logarithms used in hashed results. */
export const LOG2_FRACTION_BITS = 16;

// The mantissa as a 64-bit binary fraction (y / 2^64 in [1, 2)); BigInt keeps every product exact.
const F = 64n;
const ONE = 1n << F;
const TWO = ONE << 1n;
/**
 * Truncating each square loses less than 2^-63 of y, and sixteen squarings amplify that to under 2^-46: the
 * result can then only be one unit low, and only when the true fraction is within 2^-46 above an integer —
 * which leaves the final mantissa just below 2. Within 2^-40 of 2, the answer is settled exactly instead.
 */
const NEAR_TWO = TWO - (TWO >> 40n);

/**
 * floor(2^16 · log2(x)) exactly, for an integer 1 ≤ x < 2^53, identically on every engine (Math.log is
 * implementation-approximated by the spec, so two machines could disagree in the last bit and hash different
 * results). Digit by digit: square the mantissa sixteen times; each time it reaches 2, that bit of the
 * logarithm is 1. Exact integer arithmetic throughout; in the rare case where the truncated mantissa cannot
 * tell (see NEAR_TWO), the floor is read from the bit length of x^65536.
 */
export function log2Fixed(x: number): number {
  if (!Number.isSafeInteger(x) || x < 1) {
    throw new RangeError(`log2Fixed needs an integer in [1, 2^53), got ${x}.`);
  }
  const big = BigInt(x);
  const intPart = big.toString(2).length - 1;
  let y = (big << F) >> BigInt(intPart);
  let result = intPart;
  for (let b = 0; b < LOG2_FRACTION_BITS; b++) {
    y = (y * y) >> F;
    result *= 2;
    if (y >= TWO) {
      y >>= 1n;
      result += 1;
    }
  }
  return y >= NEAR_TWO ? exactLog2Fixed(big) : result;
}

/** floor(2^16 · log2 x) from the definition: x^65536 has floor(65536 · log2 x) + 1 bits. Tens of ms. */
export function exactLog2Fixed(x: bigint): number {
  const power = x ** (1n << BigInt(LOG2_FRACTION_BITS));
  const hex = power.toString(16);
  return 4 * (hex.length - 1) + (31 - Math.clz32(Number.parseInt(hex[0]!, 16)));
}
