import type { Address, PublicClient, WalletClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { closeEpoch } from "../../contracts/actions/closeEpoch.ts";
import { readEpochPoints } from "../../contracts/actions/readEpochPoints.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { buildPointsTree, pointsLeafSet } from "../../contracts/merkle/pointsTree.ts";

/**
 * The points poster's job: when an epoch has ended, build the Merkle tree of every worker's points in it
 * (from the chain's own PointsChanged events and EpochManager.pointsOf, so anyone can rebuild it) and post
 * its root with closeEpoch. The PointsDistributor then pays claims against it.
 */
export function createEpochCloser(
  common: Common,
  parameters: {
    publicClient: PublicClient;
    walletClient: WalletClient;
    epochManager: Address;
    fromBlock: bigint;
  },
) {
  const { publicClient, walletClient, epochManager } = parameters;
  const em = { address: epochManager, abi: epochManagerAbi } as const;
  const closed = new Set<bigint>();
  let busy = false;

  async function closeEnded() {
    if (busy) return;
    busy = true;
    try {
      const [current, head] = await Promise.all([
        publicClient.readContract({ ...em, functionName: "currentEpoch" }),
        publicClient.getBlockNumber({ cacheTime: 0 }),
      ]);
      for (let e = current > 8n ? current - 8n : 0n; e < current; e++) {
        if (closed.has(e)) continue;
        const info = await publicClient.readContract({ ...em, functionName: "getEpoch", args: [e] });
        if (info.closed) {
          closed.add(e);
          continue;
        }
        if (!info.started) continue;
        const balances = await readEpochPoints(publicClient, {
          address: epochManager,
          epoch: e,
          fromBlock: parameters.fromBlock,
          toBlock: head,
        });
        const leaves = pointsLeafSet(e, balances);
        if (leaves.length === 0) {
          // closeEpoch needs a root; an epoch nobody earned in stays open (nothing to claim).
          closed.add(e);
          continue;
        }
        const tree = buildPointsTree(e, leaves);
        await closeEpoch(
          { publicClient, walletClient },
          { address: epochManager, epoch: e, pointsRoot: tree.root, totalPoints: tree.totalPoints },
        );
        closed.add(e);
        common.logger.info({
          msg: "Epoch closed",
          epoch: e.toString(),
          root: tree.root,
          points: tree.totalPoints.toString(),
        });
      }
    } catch (error) {
      common.logger.warn({
        msg: "Closing epochs failed; will retry",
        error: firstLine(error),
      });
    } finally {
      busy = false;
    }
  }
  return { closeEnded };
}
