/** `EpochManager.PointsReason`: why a worker's points changed (`PointsChanged.reason`). */
export const pointsReasons = ["agree", "dissent", "heartbeat"] as const;
export type PointsReason = (typeof pointsReasons)[number];

/** The contract's uint8 as a name; an unknown value reads as `agree`, as the indexer has always stored it. */
export function decodePointsReason(code: number | bigint): PointsReason {
  return pointsReasons[Number(code)] ?? "agree";
}
