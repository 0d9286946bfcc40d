import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type UpdatePeerIdParameters = {
  /** The EpochManager's address. */
  address: Address;
  peerId: string;
};
export type UpdatePeerIdReturnType = { receipt: TransactionReceipt };

/** `EpochManager.updatePeerId`, encoded. */
export function updatePeerIdCall(p: UpdatePeerIdParameters): ProtocolCall {
  return {
    functionName: "updatePeerId",
    to: p.address,
    data: encodeFunctionData({ abi: epochManagerAbi, functionName: "updatePeerId", args: [p.peerId] }),
  };
}

/** Changes a registered worker's libp2p peer id. */
export async function updatePeerId(
  clients: ProtocolClients,
  p: UpdatePeerIdParameters,
): Promise<UpdatePeerIdReturnType> {
  const receipt = await sendProtocolCall(clients, updatePeerIdCall(p));
  return { receipt };
}
