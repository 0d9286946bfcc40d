import { type Address, encodeFunctionData, type Hex, type TransactionReceipt } from "viem";
import { pointsDistributorAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type ClaimPointsParameters = {
  /** The PointsDistributor's address. */
  address: Address;
  epoch: bigint;
  account: Address;
  points: bigint;
  proof: readonly Hex[];
};
export type ClaimPointsReturnType = { receipt: TransactionReceipt };

/** `PointsDistributor.claim`, encoded. */
export function claimPointsCall(p: ClaimPointsParameters): ProtocolCall {
  return {
    functionName: "claim",
    to: p.address,
    data: encodeFunctionData({
      abi: pointsDistributorAbi,
      functionName: "claim",
      args: [p.epoch, p.account, p.points, p.proof],
    }),
  };
}

/** Pays `points · weiPerPoint` to `account` for a closed epoch, once, against the root its workers voted to quorum. */
export async function claimPoints(
  clients: ProtocolClients,
  p: ClaimPointsParameters,
): Promise<ClaimPointsReturnType> {
  const receipt = await sendProtocolCall(clients, claimPointsCall(p));
  return { receipt };
}
