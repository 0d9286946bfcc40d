import { ponder } from "ponder:registry";
import { model, modelDatanet } from "ponder:schema";
import { modelRegistryAbi } from "../../contracts/generated/index.ts";
import { bumpProtocol, lower, noteDeposit } from "./context.ts";
import { displayText, rawStringsOf } from "./exactText.ts";

const registeredStrings = rawStringsOf(modelRegistryAbi, "ModelRegistered");
const metadataStrings = rawStringsOf(modelRegistryAbi, "ModelMetadataUpdated");

ponder.on("ModelRegistry:ModelRegistered", async ({ event, context }) => {
  await noteDeposit(event, context, "ModelRegistry:ModelRegistered");
  const a = event.args;
  await context.db.insert(model).values({
    id: a.modelId,
    developer: lower(a.developer),
    baseModelHash: a.baseModelHash,
    adapterHash: a.adapterHash,
    datanetIds: [...a.datanetIds],
    metadataURI: displayText(a.metadataURI),
    metadataURIHex: registeredStrings(event.log.data).metadataURI!,
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
  await context.db.update(model, { id: event.args.modelId }).set({
    metadataURI: displayText(event.args.metadataURI),
    metadataURIHex: metadataStrings(event.log.data).metadataURI!,
  });
});

ponder.on("ModelRegistry:ModelDeveloperTransferred", async ({ event, context }) => {
  await noteDeposit(event, context, "ModelRegistry:ModelDeveloperTransferred");
  await context.db
    .update(model, { id: event.args.modelId })
    .set({ developer: lower(event.args.newDeveloper) });
});
