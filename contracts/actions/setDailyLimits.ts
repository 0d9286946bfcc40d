import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { datanetRegistryAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type SetDailyLimitsParameters = {
  /** The DatanetRegistry's address. */
  address: Address;
  datanetId: bigint;
  maxBytesPerDay: bigint;
  maxContributionsPerDay: number;
};
export type SetDailyLimitsReturnType = { receipt: TransactionReceipt };

/** `DatanetRegistry.setDailyLimits`, encoded. */
export function setDailyLimitsCall(p: SetDailyLimitsParameters): ProtocolCall {
  return {
    functionName: "setDailyLimits",
    to: p.address,
    data: encodeFunctionData({
      abi: datanetRegistryAbi,
      functionName: "setDailyLimits",
      args: [p.datanetId, p.maxBytesPerDay, p.maxContributionsPerDay],
    }),
  };
}

/** The Datanet owner's per-contributor daily limits (bytes and contributions per UTC day). */
export async function setDailyLimits(
  clients: ProtocolClients,
  p: SetDailyLimitsParameters,
): Promise<SetDailyLimitsReturnType> {
  const receipt = await sendProtocolCall(clients, setDailyLimitsCall(p));
  return { receipt };
}
