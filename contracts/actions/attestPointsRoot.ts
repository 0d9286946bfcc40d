import { type Address, encodeFunctionData, type Hex, type TransactionReceipt } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type AttestPointsRootParameters = {
  /** The EpochManager's address. */
  address: Address;
  epoch: bigint;
  pointsRoot: Hex;
  totalPoints: bigint;
};
export type AttestPointsRootReturnType = { receipt: TransactionReceipt };

/** `EpochManager.attestPointsRoot`, encoded. */
export function attestPointsRootCall(p: AttestPointsRootParameters): ProtocolCall {
  return {
    functionName: "attestPointsRoot",
    to: p.address,
    data: encodeFunctionData({
      abi: epochManagerAbi,
      functionName: "attestPointsRoot",
      args: [p.epoch, p.pointsRoot, p.totalPoints],
    }),
  };
}

/**
 * Votes an ended epoch's points root (contracts/merkle/pointsTree.ts, `buildEpochPointsTree`); the sender must
 * be a worker active in the current epoch. The first root to reach quorum closes the epoch.
 */
export async function attestPointsRoot(
  clients: ProtocolClients,
  p: AttestPointsRootParameters,
): Promise<AttestPointsRootReturnType> {
  const receipt = await sendProtocolCall(clients, attestPointsRootCall(p));
  return { receipt };
}
