import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { attributionLedgerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type ClaimRewardsParameters = {
  /** The AttributionLedger's address. */
  address: Address;
};
export type ClaimRewardsReturnType = { receipt: TransactionReceipt };

/** `AttributionLedger.claim`, encoded. */
export function claimRewardsCall(p: ClaimRewardsParameters): ProtocolCall {
  return {
    functionName: "claim",
    to: p.address,
    data: encodeFunctionData({ abi: attributionLedgerAbi, functionName: "claim" }),
  };
}

/** Pulls the sender's accrued rewards (developer, contributor shares) from the AttributionLedger. */
export async function claimRewards(
  clients: ProtocolClients,
  p: ClaimRewardsParameters,
): Promise<ClaimRewardsReturnType> {
  const receipt = await sendProtocolCall(clients, claimRewardsCall(p));
  return { receipt };
}
