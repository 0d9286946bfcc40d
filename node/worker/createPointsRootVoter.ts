import type { Address, Hex, PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { attestPointsRootCall } from "../../contracts/actions/attestPointsRoot.ts";
import { readEpochPoints } from "../../contracts/actions/readEpochPoints.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { buildPointsTree, pointsLeafSet } from "../../contracts/merkle/pointsTree.ts";
import { sendThenSettle } from "./sendThenSettle.ts";
import type { CallSender } from "./workerTypes.ts";

/** Ended epochs a pass looks back over: a worker away longer leaves the older ones to the others' votes. */
export const POINTS_ROOT_LOOKBACK_EPOCHS = 8n;

export type PointsRootVoterDependencies = {
  account: Address;
  epochManager: Address;
  publicClient: PublicClient;
  sender: CallSender;
};

/** What this worker rebuilt for an ended epoch and voted (or that it had nothing to vote). */
export type PointsRootVote = { epoch: bigint; root: Hex | undefined; totalPoints: bigint };

export type PointsRootVoter = {
  /**
   * Votes the points root of every ended epoch in the lookback that is neither closed nor voted by this worker
   * (`current`: the epoch the chain is in; the worker must be active in it). Returns what it sent this time.
   */
  vote(current: bigint, epochs: { genesis: bigint; length: bigint }): Promise<PointsRootVote[]>;
};

/**
 * No trusted step in points: once an epoch ended its points are final, and every active worker rebuilds its
 * points tree from the chain alone (the epoch's own PointsChanged events and `pointsOf`, through the one leaf
 * rule in contracts/merkle/pointsTree.ts) and votes the root with `attestPointsRoot`. The first root to reach
 * quorum closes the epoch; claims are paid against that root only (contracts/README.md, "Points payout").
 * Votes go through the durable sender under `points-root:<epoch>`, so a crash never votes twice.
 */
export function createPointsRootVoter(common: Common, deps: PointsRootVoterDependencies): PointsRootVoter {
  const log = common.logger.child({ module: "worker" });
  const votes = common.metrics.counter("worker_points_root_votes_total", "Points-root votes, by outcome.", [
    "outcome",
  ]);
  const em = { address: deps.epochManager, abi: epochManagerAbi } as const;
  // Epochs with nothing left to do here: closed, voted, or without points (no tree, so no root).
  const finished = new Set<bigint>();

  async function voteEpoch(
    epoch: bigint,
    genesis: bigint,
    length: bigint,
  ): Promise<PointsRootVote | undefined> {
    const [info, voted] = await Promise.all([
      deps.publicClient.readContract({ ...em, functionName: "getEpoch", args: [epoch] }),
      deps.publicClient.readContract({
        ...em,
        functionName: "hasVotedPointsRoot",
        args: [epoch, deps.account],
      }),
    ]);
    if (info.closed || voted) {
      finished.add(epoch);
      return undefined;
    }
    // An epoch's points change only in its own blocks: its PointsChanged events lie in them.
    const fromBlock = genesis + epoch * length;
    const balances = await readEpochPoints(deps.publicClient, {
      address: deps.epochManager,
      epoch,
      fromBlock,
      toBlock: fromBlock + length - 1n,
    });
    const leaves = pointsLeafSet(epoch, balances);
    finished.add(epoch);
    if (leaves.length === 0) return { epoch, root: undefined, totalPoints: 0n };
    const tree = buildPointsTree(epoch, leaves);
    const { out, settled } = sendThenSettle(
      deps.sender,
      {
        key: `points-root:${epoch}`,
        call: attestPointsRootCall({
          address: deps.epochManager,
          epoch,
          pointsRoot: tree.root,
          totalPoints: tree.totalPoints,
        }),
      },
      async (outcome) => {
        votes.inc({ outcome: outcome.status });
        if (outcome.status === "confirmed" || outcome.status === "done") return;
        // Not voted (e.g. no longer active): the others' votes decide; nothing a retry would change.
        log.warn({ msg: "Points-root vote not cast", epoch: epoch.toString(), error: outcome.error });
      },
    );
    settled.catch((error) => {
      // Retryable (RPC down): the next pass tries again under the same key.
      finished.delete(epoch);
      log.warn({ msg: "Points-root vote not settled", epoch: epoch.toString(), error: firstLine(error) });
    });
    await out;
    log.info({
      msg: "Points root voted",
      epoch: epoch.toString(),
      root: tree.root,
      points: tree.totalPoints.toString(),
    });
    return { epoch, root: tree.root, totalPoints: tree.totalPoints };
  }

  return {
    async vote(current, { genesis, length }) {
      const sent: PointsRootVote[] = [];
      const from = current > POINTS_ROOT_LOOKBACK_EPOCHS ? current - POINTS_ROOT_LOOKBACK_EPOCHS : 0n;
      for (let epoch = from; epoch < current; epoch++) {
        if (finished.has(epoch)) continue;
        const vote = await voteEpoch(epoch, genesis, length);
        if (vote?.root) sent.push(vote);
      }
      return sent;
    },
  };
}
