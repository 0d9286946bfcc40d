import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { modelRegistryAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type SetModelMetadataURIParameters = {
  /** The ModelRegistry's address. */
  address: Address;
  modelId: bigint;
  metadataURI: string;
};
export type SetModelMetadataURIReturnType = { receipt: TransactionReceipt };

/** `ModelRegistry.setModelMetadataURI`, encoded. */
export function setModelMetadataURICall(p: SetModelMetadataURIParameters): ProtocolCall {
  return {
    functionName: "setModelMetadataURI",
    to: p.address,
    data: encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: "setModelMetadataURI",
      args: [p.modelId, p.metadataURI],
    }),
  };
}

/** The model's developer changes where the model is described. */
export async function setModelMetadataURI(
  clients: ProtocolClients,
  p: SetModelMetadataURIParameters,
): Promise<SetModelMetadataURIReturnType> {
  const receipt = await sendProtocolCall(clients, setModelMetadataURICall(p));
  return { receipt };
}
