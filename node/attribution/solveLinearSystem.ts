/**
 * Solves A x = b (A is d×d, row-major, symmetric positive definite in practice) by Gaussian elimination with
 * partial pivoting. No sqrt and a fixed loop order, so the answer is bit-identical on every engine.
 * A and b are not modified.
 */
export function solveLinearSystem(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++)
      if (Math.abs(m[r * d + col]!) > Math.abs(m[pivot * d + col]!)) pivot = r;
    if (m[pivot * d + col] === 0) throw new RangeError("The system is singular.");
    if (pivot !== col) {
      for (let c = 0; c < d; c++) {
        const t = m[col * d + c]!;
        m[col * d + c] = m[pivot * d + c]!;
        m[pivot * d + c] = t;
      }
      const t = x[col]!;
      x[col] = x[pivot]!;
      x[pivot] = t;
    }
    const p = m[col * d + col]!;
    for (let r = col + 1; r < d; r++) {
      const f = m[r * d + col]! / p;
      if (f === 0) continue;
      for (let c = col; c < d; c++) m[r * d + c] = m[r * d + c]! - f * m[col * d + c]!;
      x[r] = x[r]! - f * x[col]!;
    }
  }
  for (let r = d - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let c = r + 1; c < d; c++) s -= m[r * d + c]! * x[c]!;
    x[r] = s / m[r * d + r]!;
  }
  return x;
}
