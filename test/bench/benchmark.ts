/**
 * One benchmark figure, printed as one JSON line by `npm run bench`. `baseline` is always measured in the
 * same run as `value` (these machines are noisy), and `note` says what the baseline is.
 */
export type BenchFigure = {
  bench: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  note: string;
  /** Optional target, e.g. ">= 5000" or "<= 1.5", and whether this run met it. */
  target?: string;
  met?: boolean;
  [extra: string]: unknown;
};

export type Benchmark = {
  /** `<area>.<name>`, e.g. `harness.startup`; `npm run bench -- <prefix>` selects by prefix. */
  name: string;
  description: string;
  /** Runs only when named in full (`npm run bench -- <name>`), never by a prefix or a bare `npm run bench`. */
  optIn?: boolean;
  run(): Promise<BenchFigure[]>;
};

export function figure(
  bench: string,
  value: number,
  unit: string,
  baseline: number,
  note: string,
  extra: Omit<Partial<BenchFigure>, "bench" | "value" | "unit" | "baseline" | "note" | "ratio"> = {},
): BenchFigure {
  const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : n);
  return {
    bench,
    value: round(value),
    unit,
    baseline: round(baseline),
    ratio: baseline === 0 ? Number.NaN : round(value / baseline),
    note,
    ...extra,
  };
}

/** Median of a sample (copy-sorted). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
