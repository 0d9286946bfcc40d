import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type HeartbeatParameters = {
  /** The EpochManager's address. */
  address: Address;
};
export type HeartbeatReturnType = { receipt: TransactionReceipt };

/** `EpochManager.heartbeat`, encoded. */
export function heartbeatCall(p: HeartbeatParameters): ProtocolCall {
  return {
    functionName: "heartbeat",
    to: p.address,
    data: encodeFunctionData({ abi: epochManagerAbi, functionName: "heartbeat" }),
  };
}

/** A worker's heartbeat for the current window (one per heartbeatWindowBlocks). */
export async function heartbeat(
  clients: ProtocolClients,
  p: HeartbeatParameters,
): Promise<HeartbeatReturnType> {
  const receipt = await sendProtocolCall(clients, heartbeatCall(p));
  return { receipt };
}
