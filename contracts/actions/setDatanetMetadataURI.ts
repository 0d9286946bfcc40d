import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { datanetRegistryAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type SetDatanetMetadataURIParameters = {
  /** The DatanetRegistry's address. */
  address: Address;
  datanetId: bigint;
  metadataURI: string;
};
export type SetDatanetMetadataURIReturnType = { receipt: TransactionReceipt };

/** `DatanetRegistry.setDatanetMetadataURI`, encoded. */
export function setDatanetMetadataURICall(p: SetDatanetMetadataURIParameters): ProtocolCall {
  return {
    functionName: "setDatanetMetadataURI",
    to: p.address,
    data: encodeFunctionData({
      abi: datanetRegistryAbi,
      functionName: "setDatanetMetadataURI",
      args: [p.datanetId, p.metadataURI],
    }),
  };
}

/** The Datanet owner changes where the Datanet is described. */
export async function setDatanetMetadataURI(
  clients: ProtocolClients,
  p: SetDatanetMetadataURIParameters,
): Promise<SetDatanetMetadataURIReturnType> {
  const receipt = await sendProtocolCall(clients, setDatanetMetadataURICall(p));
  return { receipt };
}
