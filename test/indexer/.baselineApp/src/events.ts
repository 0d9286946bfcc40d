import { ponder } from "ponder:registry";
import { eventRow } from "ponder:schema";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../../../../contracts/generated/index.ts";

// One insert per event of every protocol contract: the least work an index of these events can do.
const contracts = {
  DatanetRegistry: datanetRegistryAbi,
  ModelRegistry: modelRegistryAbi,
  AttributionLedger: attributionLedgerAbi,
  EpochManager: epochManagerAbi,
  PointsDistributor: pointsDistributorAbi,
};
for (const [contract, abi] of Object.entries(contracts)) {
  for (const item of abi) {
    if (item.type !== "event") continue;
    const name = `${contract}:${item.name}`;
    ponder.on(
      name as never,
      (async ({
        event,
        context,
      }: {
        event: { id: string; block: { number: bigint } };
        context: { db: { insert: (t: typeof eventRow) => { values: (v: unknown) => Promise<unknown> } } };
      }) => {
        await context.db.insert(eventRow).values({ id: event.id, name, blockNumber: event.block.number });
      }) as never,
    );
  }
}
