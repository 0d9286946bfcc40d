import { ponder } from "ponder:registry";
import { model, modelDatanet } from "ponder:schema";
import { bumpProtocol, lower, noteDeposit } from "./context.ts";

ponder.on("ModelRegistry:ModelRegistered", async ({ event, context }) => {
  await noteDeposit(event, context, "ModelRegistry:ModelRegistered");
  const a = event.args;
  await context.db.insert(model).values({
    id: a.modelId,
    developer: lower(a.developer),
    baseModelHash: a.baseModelHash,
    adapterHash: a.adapterHash,
    datanetIds: [...a.datanetIds],
    metadataURI: a.metadataURI,
    inferenceCount: 0,
    totalFees: 0n,
    developerAmount: 0n,
    registeredBlock: event.block.number,
    registeredAt: event.block.timestamp,
    registeredTx: event.transaction.hash,
  });
  await context.db
    .insert(modelDatanet)
    .values(a.datanetIds.map((datanetId) => ({ modelId: a.modelId, datanetId })));
  await bumpProtocol(context.db, { modelCount: 1 });
});

ponder.on("ModelRegistry:ModelMetadataUpdated", async ({ event, context }) => {
  await noteDeposit(event, context, "ModelRegistry:ModelMetadataUpdated");
  await context.db.update(model, { id: event.args.modelId }).set({ metadataURI: event.args.metadataURI });
});

ponder.on("ModelRegistry:ModelDeveloperTransferred", async ({ event, context }) => {
  await noteDeposit(event, context, "ModelRegistry:ModelDeveloperTransferred");
  await context.db
    .update(model, { id: event.args.modelId })
    .set({ developer: lower(event.args.newDeveloper) });
});
