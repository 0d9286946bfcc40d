import { type Address, encodeFunctionData, type Hex, parseEventLogs, type TransactionReceipt } from "viem";
import { modelRegistryAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, requireEvent, sendProtocolCall } from "./protocolCall.ts";

export type RegisterModelParameters = {
  /** The ModelRegistry's address. */
  address: Address;
  baseModelHash: Hex;
  adapterHash: Hex;
  datanetIds: readonly bigint[];
  metadataURI: string;
};
export type RegisterModelReturnType = { modelId: bigint; receipt: TransactionReceipt };

/** `ModelRegistry.registerModel`, encoded. */
export function registerModelCall(p: RegisterModelParameters): ProtocolCall {
  return {
    functionName: "registerModel",
    to: p.address,
    data: encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: [p.baseModelHash, p.adapterHash, p.datanetIds, p.metadataURI],
    }),
  };
}

/** Registers a model (base model and adapter hashes) trained on 1 to 32 Datanets; the sender is its developer. */
export async function registerModel(
  clients: ProtocolClients,
  p: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  const receipt = await sendProtocolCall(clients, registerModelCall(p));
  const event = requireEvent(
    parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs, eventName: "ModelRegistered" }),
    "ModelRegistered",
  );
  return { modelId: event.args.modelId, receipt };
}
