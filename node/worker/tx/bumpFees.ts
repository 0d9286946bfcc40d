export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/**
 * Nodes replace a pending transaction only when both fee fields rise by at least 10% (geth's
 * `--txpool.pricebump`); 12.5% keeps clear of rounding at the boundary.
 */
export const REPLACEMENT_MIN_PERCENT = 110n;
export const REPLACEMENT_BUMP_PERCENT = 1125n; // per mille

// Math.min/max do not take bigints.
function minOf(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function ceilMul(value: bigint, numerator: bigint, denominator: bigint): bigint {
  return (value * numerator + denominator - 1n) / denominator;
}

/** Fees for a fresh transaction: the node's estimate, held under `cap`. */
export function initialFees(estimate: Fees, cap: bigint): Fees {
  const maxFeePerGas = minOf(estimate.maxFeePerGas, cap);
  const maxPriorityFeePerGas = minOf(estimate.maxPriorityFeePerGas, maxFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/**
 * Fees for a replacement of `previous`: +12.5% on both fields, or the current estimate when that is higher
 * (the base fee jumped), capped by `cap`. Undefined when the cap leaves no room for a bump the node would
 * accept: then the caller keeps re-broadcasting the transaction it has.
 */
export function bumpFees(previous: Fees, estimate: Fees, cap: bigint): Fees | undefined {
  let maxFeePerGas = maxOf(
    ceilMul(previous.maxFeePerGas, REPLACEMENT_BUMP_PERCENT, 1000n),
    estimate.maxFeePerGas,
  );
  let maxPriorityFeePerGas = maxOf(
    ceilMul(previous.maxPriorityFeePerGas, REPLACEMENT_BUMP_PERCENT, 1000n),
    estimate.maxPriorityFeePerGas,
  );
  if (maxFeePerGas > cap) maxFeePerGas = cap;
  if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
  const accepted =
    maxFeePerGas >= ceilMul(previous.maxFeePerGas, REPLACEMENT_MIN_PERCENT, 100n) &&
    maxPriorityFeePerGas >= ceilMul(previous.maxPriorityFeePerGas, REPLACEMENT_MIN_PERCENT, 100n);
  return accepted ? { maxFeePerGas, maxPriorityFeePerGas } : undefined;
}
