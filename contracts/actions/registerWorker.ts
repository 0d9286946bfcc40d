import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type RegisterWorkerParameters = {
  /** The EpochManager's address. */
  address: Address;
  peerId: string;
  stake: bigint;
};
export type RegisterWorkerReturnType = { receipt: TransactionReceipt };

/** `EpochManager.register`, encoded. */
export function registerWorkerCall(p: RegisterWorkerParameters): ProtocolCall {
  return {
    functionName: "register",
    to: p.address,
    data: encodeFunctionData({ abi: epochManagerAbi, functionName: "register", args: [p.peerId] }),
    value: p.stake,
  };
}

/** Stakes `stake` (≥ minStake) and registers the sender as a worker with its libp2p peer id; active from the next epoch. */
export async function registerWorker(
  clients: ProtocolClients,
  p: RegisterWorkerParameters,
): Promise<RegisterWorkerReturnType> {
  const receipt = await sendProtocolCall(clients, registerWorkerCall(p));
  return { receipt };
}
