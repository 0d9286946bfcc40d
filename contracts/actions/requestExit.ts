import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type RequestExitParameters = {
  /** The EpochManager's address. */
  address: Address;
};
export type RequestExitReturnType = { receipt: TransactionReceipt };

/** `EpochManager.requestExit`, encoded. */
export function requestExitCall(p: RequestExitParameters): ProtocolCall {
  return {
    functionName: "requestExit",
    to: p.address,
    data: encodeFunctionData({ abi: epochManagerAbi, functionName: "requestExit" }),
  };
}

/** Ends the sender's activity after the current epoch; the stake is withdrawable from the next. */
export async function requestExit(
  clients: ProtocolClients,
  p: RequestExitParameters,
): Promise<RequestExitReturnType> {
  const receipt = await sendProtocolCall(clients, requestExitCall(p));
  return { receipt };
}
