import { ponder } from "ponder:registry";
import { airdropClaim } from "ponder:schema";
import { bumpAccount, eventMeta, lower, noteDeposit } from "./context.ts";

ponder.on("PointsDistributor:PointsClaimed", async ({ event, context }) => {
  await noteDeposit(event, context, "PointsDistributor:PointsClaimed");
  const a = event.args;
  await context.db.insert(airdropClaim).values({
    id: event.id,
    epoch: a.epoch,
    account: lower(a.account),
    points: a.points,
    amount: a.amount,
    caller: lower(a.caller),
    ...eventMeta(event),
  });
  await bumpAccount(context.db, a.account, { airdropClaimed: a.amount });
});
