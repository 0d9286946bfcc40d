import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type WithdrawStakeParameters = {
  /** The EpochManager's address. */
  address: Address;
};
export type WithdrawStakeReturnType = { receipt: TransactionReceipt };

/** `EpochManager.withdrawStake`, encoded. */
export function withdrawStakeCall(p: WithdrawStakeParameters): ProtocolCall {
  return {
    functionName: "withdrawStake",
    to: p.address,
    data: encodeFunctionData({ abi: epochManagerAbi, functionName: "withdrawStake" }),
  };
}

/**
 * Pays an exited worker's stake back and forgets the worker; reverts `StakeLocked` before the epoch after
 * the one its exit was requested in.
 */
export async function withdrawStake(
  clients: ProtocolClients,
  p: WithdrawStakeParameters,
): Promise<WithdrawStakeReturnType> {
  const receipt = await sendProtocolCall(clients, withdrawStakeCall(p));
  return { receipt };
}
