import type { Address, PublicClient } from "viem";
import { epochManagerAbi } from "../generated/index.ts";
import type { EpochPointsBalance } from "../merkle/pointsTree.ts";

export type ReadEpochPointsParameters = {
  /** The EpochManager's address. */
  address: Address;
  epoch: bigint;
  /** Where to start looking for PointsChanged logs (the deployment block). */
  fromBlock: bigint;
  toBlock?: bigint;
};

/**
 * Every worker's net points in `epoch`, from the chain alone (so anyone can rebuild the epoch's tree): the
 * workers named by the epoch's `PointsChanged` logs, each read with `pointsOf`. In address order. Feed it to
 * `buildEpochPointsTree`.
 */
export async function readEpochPoints(
  publicClient: PublicClient,
  p: ReadEpochPointsParameters,
): Promise<EpochPointsBalance[]> {
  const em = { address: p.address, abi: epochManagerAbi } as const;
  const logs = await publicClient.getContractEvents({
    ...em,
    eventName: "PointsChanged",
    args: { epoch: p.epoch },
    fromBlock: p.fromBlock,
    ...(p.toBlock === undefined ? {} : { toBlock: p.toBlock }),
  });
  const workers = [
    ...new Set(logs.flatMap((l) => (l.args.worker ? [l.args.worker.toLowerCase() as Address] : []))),
  ];
  workers.sort();
  const balances: EpochPointsBalance[] = [];
  for (const account of workers) {
    const { points } = await publicClient.readContract({
      ...em,
      functionName: "pointsOf",
      args: [p.epoch, account],
    });
    balances.push({ account, points: BigInt(points) });
  }
  return balances;
}
