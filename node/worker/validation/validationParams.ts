/**
 * Thresholds of the contribution validator. They are written into every report, so a reader knows what the
 * verdict was measured against; workers that disagree on them will disagree on verdicts.
 */
export type ValidationParams = {
  /**
   * Estimated Jaccard similarity (3-word shingles, basis points) at or above which a contribution is a
   * near-duplicate of an accepted one. 6000, not the 8000 common in pre-training dedup: replacing 5% of the
   * words of a text already lowers the shingle Jaccard to about 0.75 (each edited word breaks 3 shingles:
   * 0.95³ ≈ 0.857 kept, 0.857 / 1.143 ≈ 0.75), and a 128-slot estimate has a standard error near 0.04, so an
   * 8000 bar would let such lightly edited copies through. Unrelated texts estimate near 0.
   */
  nearDuplicateThresholdBps: number;
  /** Quality score (0..10000) below which a contribution is rejected; see qualityScore.ts. */
  minQualityScore: number;
  /** Default cap on a contribution's total bytes when the Datanet sets none (DatanetRegistry's 10 MB/day). */
  maxContributionBytes: bigint;
};

export const defaultValidationParams: ValidationParams = {
  nearDuplicateThresholdBps: 6000,
  // A clean 15-word paragraph scores ~3000; boilerplate, spam repetition, binary junk and number tables fall
  // well below. Higher would reject short but honest records.
  minQualityScore: 3000,
  maxContributionBytes: 10_000_000n,
};
