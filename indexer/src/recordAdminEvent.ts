import type { Context } from "ponder:registry";
import { adminEvent, contractOwner, roleMember } from "ponder:schema";
import type { Hex } from "viem";
import { bumpProtocol, eventMeta, lower, noteDeposit } from "./context.ts";

export type AdminEventLike = Parameters<typeof eventMeta>[0] & {
  id: string;
  args: Record<string, unknown>;
  log: { address: Hex; logIndex: number };
  block: { number: bigint; timestamp: bigint };
};

/** Arguments as JSON: integers as decimal strings (JSON has no bigint), addresses lower-case. */
function jsonArgs(args: Record<string, unknown>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === "boolean") out[k] = v;
    else if (typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v)) out[k] = v.toLowerCase();
    else out[k] = String(v);
  }
  return out;
}

/**
 * Records one governance or configuration event in `admin_event` and applies the state it sets (contract owners,
 * role holders, fee schedule, epoch parameters, reward rate, distributor funding). Registers no handler: see
 * AdminEvents.ts, and AttributionLedger.ts for TreasurySet and ValidatorPoolSet.
 */
export async function recordAdminEvent(
  event: AdminEventLike,
  context: Context,
  contract: string,
  name: string,
) {
  await noteDeposit(event, context, `${contract}:${name}`);
  const db = context.db;
  const args = jsonArgs(event.args);
  const address = lower(event.log.address);
  await db.insert(adminEvent).values({ id: event.id, contract, address, name, args, ...eventMeta(event) });
  const block = event.block.number;
  switch (name) {
    case "OwnershipTransferStarted":
      await db
        .insert(contractOwner)
        .values({
          address,
          contract,
          owner: args.previousOwner as Hex,
          pendingOwner: args.newOwner as Hex,
          updatedBlock: block,
        })
        .onConflictDoUpdate({ pendingOwner: args.newOwner as Hex, updatedBlock: block });
      break;
    case "OwnershipTransferred":
      await db
        .insert(contractOwner)
        .values({ address, contract, owner: args.newOwner as Hex, pendingOwner: null, updatedBlock: block })
        .onConflictDoUpdate({ owner: args.newOwner as Hex, pendingOwner: null, updatedBlock: block });
      break;
    case "RoleGranted":
    case "RoleRevoked": {
      const active = name === "RoleGranted";
      await db
        .insert(roleMember)
        .values({
          address,
          role: args.role as Hex,
          account: args.account as Hex,
          active,
          updatedBlock: block,
        })
        .onConflictDoUpdate({ active, updatedBlock: block });
      break;
    }
    case "FeeScheduleUpdated":
      await bumpProtocol(db, {}, { feeSchedule: args as Record<string, string> });
      break;
    case "ParamsUpdated":
      await bumpProtocol(db, {}, { epochParams: args as Record<string, string> });
      break;
    case "RewardRateUpdated":
      await bumpProtocol(db, {}, { weiPerPoint: event.args.weiPerPoint as bigint });
      break;
    case "Funded":
      await bumpProtocol(db, { distributorFunded: event.args.amount as bigint });
      break;
  }
}
