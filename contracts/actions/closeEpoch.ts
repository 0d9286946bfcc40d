import { type Address, encodeFunctionData, type Hex, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type CloseEpochParameters = {
  /** The EpochManager's address. */
  address: Address;
  epoch: bigint;
  pointsRoot: Hex;
  totalPoints: bigint;
};
export type CloseEpochReturnType = { receipt: TransactionReceipt };

/** `EpochManager.closeEpoch`, encoded. */
export function closeEpochCall(p: CloseEpochParameters): ProtocolCall {
  return {
    functionName: "closeEpoch",
    to: p.address,
    data: encodeFunctionData({
      abi: epochManagerAbi,
      functionName: "closeEpoch",
      args: [p.epoch, p.pointsRoot, p.totalPoints],
    }),
  };
}

/** Posts an ended epoch's points root (contracts/merkle/pointsTree.ts, `buildEpochPointsTree`); POINTS_POSTER_ROLE only. */
export async function closeEpoch(
  clients: ProtocolClients,
  p: CloseEpochParameters,
): Promise<CloseEpochReturnType> {
  const receipt = await sendProtocolCall(clients, closeEpochCall(p));
  return { receipt };
}
