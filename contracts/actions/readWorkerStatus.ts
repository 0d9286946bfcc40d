import type { Address, PublicClient } from "viem";
import { epochManagerAbi } from "../generated/index.ts";

/** Where a worker stands in EpochManager's lifecycle: register → active → requestExit → withdrawStake. */
export type WorkerState =
  /** Not registered (never, or its stake was withdrawn). */
  | "unregistered"
  /** Registered; active from `activeFromEpoch` (the epoch after registration). */
  | "pending"
  | "active"
  /** Exit requested; still active until `activeUntilEpoch`, when the stake unlocks. */
  | "exiting"
  /** Exited: `withdrawStake` pays the stake back now. */
  | "withdrawable";

export type WorkerStatus = {
  worker: Address;
  state: WorkerState;
  registered: boolean;
  stake: bigint;
  peerId: string;
  activeFromEpoch: bigint;
  /** First epoch the worker is no longer active in, and the stake withdrawable from; undefined until it exits. */
  activeUntilEpoch: bigint | undefined;
  currentEpoch: bigint;
  /** First block of `activeUntilEpoch` (withdrawable from then), undefined until it exits. */
  withdrawableFromBlock: bigint | undefined;
  latestBlock: bigint;
  minStake: bigint;
  activeWorkers: bigint;
};

const NEVER = 2n ** 64n - 1n;

export type ReadWorkerStatusParameters = {
  /** The EpochManager's address. */
  address: Address;
  worker: Address;
};

/**
 * A worker's stake, peer id and place in the exit lifecycle, read from EpochManager's views. The states follow
 * the contract: active iff `isActive(worker, currentEpoch)`; the stake is withdrawable once the current epoch
 * reaches `activeUntilEpoch` (withdrawStake's `StakeLocked` rule).
 */
export async function readWorkerStatus(
  publicClient: PublicClient,
  p: ReadWorkerStatusParameters,
): Promise<WorkerStatus> {
  const em = { address: p.address, abi: epochManagerAbi } as const;
  const [w, currentEpoch, genesisBlock, epochLength, params, activeWorkers, latestBlock] = await Promise.all([
    publicClient.readContract({ ...em, functionName: "getWorker", args: [p.worker] }),
    publicClient.readContract({ ...em, functionName: "currentEpoch" }),
    publicClient.readContract({ ...em, functionName: "genesisBlock" }),
    publicClient.readContract({ ...em, functionName: "epochLength" }),
    publicClient.readContract({ ...em, functionName: "params" }),
    publicClient.readContract({ ...em, functionName: "activeWorkerCount" }),
    publicClient.getBlockNumber(),
  ]);
  const until = w.activeUntilEpoch === NEVER ? undefined : w.activeUntilEpoch;
  const active =
    w.registered &&
    (await publicClient.readContract({ ...em, functionName: "isActive", args: [p.worker, currentEpoch] }));
  let state: WorkerState;
  if (!w.registered) state = "unregistered";
  else if (until !== undefined) state = currentEpoch >= until ? "withdrawable" : "exiting";
  else state = active ? "active" : "pending";
  return {
    worker: p.worker,
    state,
    registered: w.registered,
    stake: w.stake,
    peerId: w.peerId,
    activeFromEpoch: w.activeFromEpoch,
    activeUntilEpoch: until,
    currentEpoch,
    withdrawableFromBlock: until === undefined ? undefined : genesisBlock + until * epochLength,
    latestBlock,
    minStake: params.minStake,
    activeWorkers: BigInt(activeWorkers),
  };
}
