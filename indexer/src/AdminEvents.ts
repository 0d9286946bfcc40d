import { type Context, ponder } from "ponder:registry";
import { type AdminEventLike, recordAdminEvent } from "./recordAdminEvent.ts";

/**
 * Governance and configuration events: every one is kept in `admin_event` with its arguments, and the state it
 * sets is kept current (contract owners, role holders, the fee schedule, epoch parameters, reward rate,
 * distributor funding). TreasurySet and ValidatorPoolSet are recorded from AttributionLedger.ts,
 * which also needs them for the fee split.
 */
const ADMIN_EVENTS = {
  AttributionLedger: [
    "EpochManagerSet",
    "FeeScheduleUpdated",
    "OwnershipTransferStarted",
    "OwnershipTransferred",
  ],
  DatanetRegistry: ["EpochManagerSet", "OwnershipTransferStarted", "OwnershipTransferred"],
  EpochManager: ["ParamsUpdated", "RoleAdminChanged", "RoleGranted", "RoleRevoked"],
  PointsDistributor: ["Funded", "OwnershipTransferStarted", "OwnershipTransferred", "RewardRateUpdated"],
} as const;

for (const [contract, names] of Object.entries(ADMIN_EVENTS)) {
  for (const name of names) {
    ponder.on(
      `${contract}:${name}` as never,
      (async ({ event, context }: { event: AdminEventLike; context: Context }) =>
        recordAdminEvent(event, context, contract, name)) as never,
    );
  }
}
