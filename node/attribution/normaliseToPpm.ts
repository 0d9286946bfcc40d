/** One line of an attribution: a contribution and its share in parts per million. */
export type AttributionEntry = { contributionId: bigint; weightPpm: number };

export const PPM = 1_000_000;

/**
 * Integer shares summing to exactly 1,000,000. Keeps the `maxEntries` largest scores (ties: lower id first),
 * floors each share, then hands the leftover ppm out one each by largest remainder (ties: lower id first).
 * Entries that end at 0 ppm are dropped; the result is sorted by contribution id, the on-chain order.
 * No positive score at all means "no attribution": an empty list.
 */
export function normaliseToPpm(scores: ReadonlyMap<bigint, bigint>, maxEntries: number): AttributionEntry[] {
  const ranked = [...scores.entries()]
    .filter(([, score]) => score > 0n)
    .sort(([ida, a], [idb, b]) => (a !== b ? (a > b ? -1 : 1) : ida < idb ? -1 : ida > idb ? 1 : 0))
    .slice(0, maxEntries);
  let total = 0n;
  for (const [, score] of ranked) total += score;
  if (total === 0n) return [];
  const shares = ranked.map(([id, score]) => {
    const scaled = score * BigInt(PPM);
    return { id, ppm: scaled / total, remainder: scaled % total };
  });
  let leftover = BigInt(PPM);
  for (const s of shares) leftover -= s.ppm;
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder !== b.remainder ? (a.remainder > b.remainder ? -1 : 1) : a.id < b.id ? -1 : 1,
  );
  for (let i = 0; leftover > 0n; i++, leftover--) byRemainder[i]!.ppm += 1n;
  return shares
    .filter((s) => s.ppm > 0n)
    .map((s) => ({ contributionId: s.id, weightPpm: Number(s.ppm) }))
    .sort((a, b) => (a.contributionId < b.contributionId ? -1 : 1));
}
