/**
 * exp and log from +, −, ×, ÷ only. ECMAScript lets engines approximate Math.exp/Math.log (results differ in
 * the last bit between V8 versions and platforms), while the basic operations are correctly rounded IEEE 754
 * everywhere. Anything that ends up in a hashed result uses these, with a fixed order of operations.
 * Accuracy is within a few ulp, which is all determinism needs.
 */

// fdlibm's split of ln 2: LN2_HI has trailing zero bits so k · LN2_HI is exact for |k| < 2^11.
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = Math.LOG2E; // constants are exact values, unlike Math.exp and friends
const SQRT2 = Math.SQRT2;

const scratch = new DataView(new ArrayBuffer(8));

/** 2^k for an integer -1022 <= k <= 1023, built from its bits. */
function pow2(k: number): number {
  scratch.setUint32(0, (k + 1023) << 20);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

export function detExp(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > 709.782712893384) return Number.POSITIVE_INFINITY;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Taylor series of e^r for |r| <= 0.35: 15 terms leave an error far below one ulp.
  let p = 1;
  for (let i = 15; i >= 1; i--) p = 1 + (p * r) / i;
  // Scale in two steps so results near the subnormal range do not lose the exponent.
  if (k < -1000) return p * pow2(k + 1000) * pow2(-1000);
  if (k > 1000) return p * pow2(k - 1000) * pow2(1000);
  return p * pow2(k);
}

export function detLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  if (x === Number.POSITIVE_INFINITY) return x;
  let e = 0;
  let v = x;
  if (v < 2.2250738585072014e-308) {
    v *= pow2(54);
    e -= 54;
  }
  scratch.setFloat64(0, v);
  const hi = scratch.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  // Mantissa in [1, 2) with the exponent bits replaced by 1023.
  scratch.setUint32(0, (hi & 0x000fffff) | 0x3ff00000);
  let m = scratch.getFloat64(0);
  if (m > SQRT2) {
    m /= 2;
    e += 1;
  }
  // log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.172: the odd series converges fast.
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let series = 0;
  for (let i = 27; i >= 1; i -= 2) series = 1 / i + s2 * series;
  return e * LN2_HI + (e * LN2_LO + 2 * s * series);
}

/** The logistic function 1 / (1 + e^-z), without overflow for large |z|. */
export function detSigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + detExp(-z));
  const e = detExp(z);
  return e / (1 + e);
}

/** log(1 + e^z), the logistic loss of a margin -z, without overflow. */
export function detSoftplus(z: number): number {
  if (z > 0) return z + detLog(1 + detExp(-z));
  return detLog(1 + detExp(z));
}
