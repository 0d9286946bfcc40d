import type { Hex } from "viem";

/** What an AttributionRecorded adds to its Datanet's and its contributor's aggregates. */
export type AttributionShare = { datanetId: bigint; contributor: Hex; amount: bigint };

export type AttributionFold = {
  /** Notes entry `logIndex` of the inference `key` names (a repeat of the same entry replaces it). */
  add(key: string, logIndex: number, share: AttributionShare): void;
  /**
   * The entries of inference `key` if this process saw all `entryCount` of them, else `undefined` (the caller then
   * reads them from the index). Either way the fold forgets them.
   */
  take(key: string, entryCount: number): AttributionShare[] | undefined;
};

/**
 * The ledger emits one AttributionRecorded per entry and then the inference's InferenceRecorded, all in one call
 * (`AttributionLedger._settle`). The per-entry handler keeps the entry here and the InferenceRecorded handler adds
 * the inference's sums to each Datanet and contributor once, instead of two store operations per entry: an inference
 * cites up to 128 contributions but few Datanets and contributors.
 *
 * Only the entries of the latest inference are held, keyed by block hash, transaction and inference id, each under its
 * log index, so an event Ponder indexes again (a retried batch) replaces itself instead of counting twice. `take`
 * answers only for a complete set; anything else (a process that started between the entries and the inference)
 * goes to the index, where every entry's row already is.
 */
export function createAttributionFold(): AttributionFold {
  let current: string | undefined;
  let shares = new Map<number, AttributionShare>();
  return {
    add(key, logIndex, share) {
      if (key !== current) {
        current = key;
        shares = new Map();
      }
      shares.set(logIndex, share);
    },
    take(key, entryCount) {
      const complete = key === current && shares.size === entryCount;
      const taken = complete ? [...shares.values()] : undefined;
      current = undefined;
      shares = new Map();
      return taken;
    },
  };
}

/** The key `add` and `take` use: one inference of one transaction of one block. */
export const attributionFoldKey = (blockHash: Hex, transactionHash: Hex, inferenceId: bigint) =>
  `${blockHash}:${transactionHash}:${inferenceId}`;

/** Per Datanet and per contributor, the sum of the entries' amounts (in first-seen order). */
export function sumShares(shares: readonly AttributionShare[]) {
  const byDatanet = new Map<bigint, bigint>();
  const byContributor = new Map<Hex, bigint>();
  for (const { datanetId, contributor, amount } of shares) {
    byDatanet.set(datanetId, (byDatanet.get(datanetId) ?? 0n) + amount);
    byContributor.set(contributor, (byContributor.get(contributor) ?? 0n) + amount);
  }
  return { byDatanet, byContributor };
}
