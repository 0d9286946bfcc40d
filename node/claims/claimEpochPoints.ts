import { type Address, type Hash, type PublicClient, type WalletClient, zeroHash } from "viem";
import { claimPoints } from "../../contracts/actions/claimPoints.ts";
import { readEpochPoints } from "../../contracts/actions/readEpochPoints.ts";
import { epochManagerAbi, pointsDistributorAbi } from "../../contracts/generated/index.ts";
import { buildEpochPointsTree } from "../../contracts/merkle/pointsTree.ts";
import { ClaimRefusedError } from "./claimErrors.ts";

export type ClaimEpochPointsParameters = {
  epochManager: Address;
  pointsDistributor: Address;
  /** Who is paid (the claim may be sent by anyone; the CLI sends it from the account itself). */
  account: Address;
  /** One epoch; otherwise every epoch the account earned points in since `fromBlock`. */
  epoch?: bigint;
  /** Where to look for the account's PointsChanged events (the protocol's deployment block). */
  fromBlock: bigint;
};

/** One epoch's claim: paid now, or why not (only when claiming every epoch; one asked-for epoch throws). */
export type EpochClaim =
  | { epoch: bigint; status: "paid"; points: bigint; amount: bigint; txHash: Hash }
  | { epoch: bigint; status: "skipped"; reason: ClaimRefusedError["reason"]; message: string };

/**
 * Claims the account's points for ended epochs against the root the workers' quorum voted: the tree is rebuilt
 * from the chain (the epoch's PointsChanged events and pointsOf, through contracts/merkle/pointsTree.ts) and its
 * root must equal EpochManager.pointsRootOf, so the proof is one the distributor accepts. With `epoch` set, a
 * claim that cannot be paid throws ClaimRefusedError (not final, already claimed, nothing to claim); without it,
 * every epoch is tried and the result says which were paid, and it throws only when none was.
 */
export async function claimEpochPoints(
  clients: { publicClient: PublicClient; walletClient: WalletClient },
  p: ClaimEpochPointsParameters,
): Promise<EpochClaim[]> {
  const { publicClient } = clients;
  const em = { address: p.epochManager, abi: epochManagerAbi } as const;
  const [genesis, length, current] = await Promise.all([
    publicClient.readContract({ ...em, functionName: "genesisBlock" }),
    publicClient.readContract({ ...em, functionName: "epochLength" }),
    publicClient.readContract({ ...em, functionName: "currentEpoch" }),
  ]);
  let epochs: bigint[];
  if (p.epoch !== undefined) epochs = [p.epoch];
  else {
    const logs = await publicClient.getContractEvents({
      ...em,
      eventName: "PointsChanged",
      args: { worker: p.account },
      fromBlock: p.fromBlock,
    });
    epochs = [...new Set(logs.map((l) => l.args.epoch!))].sort((a, b) => (a < b ? -1 : 1));
  }

  async function claimOne(epoch: bigint): Promise<EpochClaim> {
    if (epoch >= current)
      throw new ClaimRefusedError(
        "epochNotFinal",
        `Epoch ${epoch} has not ended (the chain is in epoch ${current}): its points may still change.`,
        "Claim after it ends and its workers' points-root votes reach quorum.",
      );
    const root = await publicClient.readContract({ ...em, functionName: "pointsRootOf", args: [epoch] });
    if (root === zeroHash)
      throw new ClaimRefusedError(
        "epochNotFinal",
        `Epoch ${epoch} is not final: no points root has reached the workers' quorum yet.`,
        "Workers vote each ended epoch's root within their next pass; try again in a few blocks.",
      );
    const claimed = await publicClient.readContract({
      address: p.pointsDistributor,
      abi: pointsDistributorAbi,
      functionName: "claimed",
      args: [epoch, p.account],
    });
    if (claimed)
      throw new ClaimRefusedError(
        "alreadyClaimed",
        `${p.account} already claimed its points for epoch ${epoch}.`,
        "Each epoch pays once; `olnode claim points` without --epoch claims every epoch not yet paid.",
      );
    const fromBlock = genesis + epoch * length;
    const balances = await readEpochPoints(publicClient, {
      address: p.epochManager,
      epoch,
      fromBlock,
      toBlock: fromBlock + length - 1n,
    });
    const mine = balances.find((b) => b.account.toLowerCase() === p.account.toLowerCase());
    if (!mine || mine.points <= 0n)
      throw new ClaimRefusedError(
        "nothingToClaim",
        `${p.account} has no points to claim in epoch ${epoch}.`,
        "Points come from agreeing with a quorum and from credited heartbeats while the worker runs.",
      );
    const tree = buildEpochPointsTree(epoch, balances);
    if (tree.root.toLowerCase() !== root.toLowerCase())
      throw new ClaimRefusedError(
        "rootMismatch",
        `Epoch ${epoch}'s quorum root ${root} is not the root ${tree.root} rebuilt from the chain's events.`,
        "The workers' quorum voted another tree; no proof from the chain's points verifies against it.",
      );
    const points = tree.entries.find((e) => e.account.toLowerCase() === p.account.toLowerCase())!.points;
    const { receipt } = await claimPoints(clients, {
      address: p.pointsDistributor,
      epoch,
      account: p.account,
      points,
      proof: tree.proof(p.account),
    });
    const weiPerPoint = await publicClient.readContract({
      address: p.pointsDistributor,
      abi: pointsDistributorAbi,
      functionName: "weiPerPoint",
      blockNumber: receipt.blockNumber,
    });
    return { epoch, status: "paid", points, amount: points * weiPerPoint, txHash: receipt.transactionHash };
  }

  if (p.epoch !== undefined) return [await claimOne(p.epoch)];
  const results: EpochClaim[] = [];
  for (const epoch of epochs) {
    try {
      results.push(await claimOne(epoch));
    } catch (error) {
      if (!(error instanceof ClaimRefusedError)) throw error;
      results.push({ epoch, status: "skipped", reason: error.reason, message: error.shortMessage });
    }
  }
  if (!results.some((r) => r.status === "paid")) {
    const waiting = results.filter((r) => r.status === "skipped" && r.reason === "epochNotFinal").length;
    throw new ClaimRefusedError(
      waiting > 0 ? "epochNotFinal" : "nothingToClaim",
      results.length === 0
        ? `${p.account} has no points to claim: it earned none since block ${p.fromBlock}.`
        : `${p.account} has nothing to claim now: ${results.length} epoch(s) with points, ${waiting} not final yet, the rest claimed or empty.`,
      waiting > 0
        ? "Try again once the pending epochs' points roots reach quorum (a few blocks after each epoch ends)."
        : "Points come from agreeing with a quorum and from credited heartbeats while the worker runs.",
    );
  }
  return results;
}
