import { type Address, encodeFunctionData, type TransactionReceipt } from "viem";
import { CONTRIBUTION_STATUS, type ContributionStatus } from "../enums/contributionStatus.ts";
import { datanetRegistryAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type OverrideContributionParameters = {
  /** The DatanetRegistry's address. */
  address: Address;
  contributionId: bigint;
  status: Exclude<ContributionStatus, "pending">;
};
export type OverrideContributionReturnType = { receipt: TransactionReceipt };

/** `DatanetRegistry.overrideContribution`, encoded. */
export function overrideContributionCall(p: OverrideContributionParameters): ProtocolCall {
  return {
    functionName: "overrideContribution",
    to: p.address,
    data: encodeFunctionData({
      abi: datanetRegistryAbi,
      functionName: "overrideContribution",
      args: [p.contributionId, CONTRIBUTION_STATUS[p.status]],
    }),
  };
}

/** The Datanet owner settles a contribution Accepted or Rejected, whatever the quorum said or will say. */
export async function overrideContribution(
  clients: ProtocolClients,
  p: OverrideContributionParameters,
): Promise<OverrideContributionReturnType> {
  const receipt = await sendProtocolCall(clients, overrideContributionCall(p));
  return { receipt };
}
