import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type StartEpochParameters = {
  /** The EpochManager's address. */
  address: Address;
};
export type StartEpochReturnType = { receipt: TransactionReceipt };

/** `EpochManager.startEpoch`, encoded. */
export function startEpochCall(p: StartEpochParameters): ProtocolCall {
  return {
    functionName: "startEpoch",
    to: p.address,
    data: encodeFunctionData({ abi: epochManagerAbi, functionName: "startEpoch" }),
  };
}

/** Fixes the current epoch's seed and worker snapshot if no transaction has yet (any EpochManager write does). */
export async function startEpoch(
  clients: ProtocolClients,
  p: StartEpochParameters,
): Promise<StartEpochReturnType> {
  const receipt = await sendProtocolCall(clients, startEpochCall(p));
  return { receipt };
}
