import type { Address, PublicClient } from "viem";
import { decodeFunctionData } from "viem";
import { describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { RetryableError } from "../../config/errors/BaseError.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { buildEpochPointsTree } from "../../contracts/merkle/pointsTree.ts";
import { createPointsRootVoter, POINTS_ROOT_LOOKBACK_EPOCHS } from "./createPointsRootVoter.ts";
import type { CallOutcome, CallSender } from "./workerTypes.ts";

const ME = "0x00000000000000000000000000000000000000aa" as Address;
const W1 = "0x00000000000000000000000000000000000000b1" as Address;
const W2 = "0x00000000000000000000000000000000000000b2" as Address;
const EM = "0x00000000000000000000000000000000000000e0" as Address;
const EPOCHS = { genesis: 100n, length: 10n };

/**
 * A chain of epochs over fakes: per epoch, whether it is closed, whether this worker voted, and each worker's
 * net points (PointsChanged names them, pointsOf gives the balance).
 */
function chain(
  epochs: Record<string, { closed?: boolean; voted?: boolean; points?: Record<Address, bigint> }>,
) {
  const eventRanges: { epoch: bigint; fromBlock: bigint; toBlock: bigint }[] = [];
  const client = {
    readContract: async ({ functionName, args }: { functionName: string; args: unknown[] }) => {
      const e = epochs[String(args[0])] ?? {};
      if (functionName === "getEpoch") return { closed: e.closed ?? false };
      if (functionName === "hasVotedPointsRoot") return e.voted ?? false;
      if (functionName === "pointsOf") return { points: e.points?.[args[1] as Address] ?? 0n };
      throw new Error(`unexpected read ${functionName}`);
    },
    getContractEvents: async (p: { args: { epoch: bigint }; fromBlock: bigint; toBlock: bigint }) => {
      eventRanges.push({ epoch: p.args.epoch, fromBlock: p.fromBlock, toBlock: p.toBlock });
      return Object.keys(epochs[String(p.args.epoch)]?.points ?? {}).map((worker) => ({ args: { worker } }));
    },
  } as unknown as PublicClient;
  return { client, eventRanges };
}

function sender(outcome: () => Promise<CallOutcome> = async () => ({ status: "confirmed", txHash: "0x01" })) {
  const sent: { key: string; epoch: bigint; root: string; total: bigint }[] = [];
  const s: CallSender = {
    send: async ({ key, call, onSent }) => {
      const { args } = decodeFunctionData({ abi: epochManagerAbi, data: call.data });
      const [epoch, root, total] = args as [bigint, string, bigint];
      sent.push({ key, epoch, root, total });
      onSent?.();
      return outcome();
    },
  };
  return { s, sent };
}

describe("createPointsRootVoter", () => {
  it("votes each open ended epoch's root rebuilt from its own blocks' events, once, and skips the rest", async () => {
    const points = { [W1]: 20n, [W2]: -10n, [ME]: 10n };
    const { client, eventRanges } = chain({
      "3": { points },
      "4": { closed: true, points },
      "5": { voted: true, points },
      "6": { points: { [W1]: -5n } }, // nobody above zero: no tree, no root
      "7": { points: { [W2]: 3n } },
      "8": { points }, // the current epoch: not ended
    });
    const { s, sent } = sender();
    const voter = createPointsRootVoter(createTestCommon(), {
      account: ME,
      epochManager: EM,
      publicClient: client,
      sender: s,
    });
    const votes = await voter.vote(8n, EPOCHS);
    const tree3 = buildEpochPointsTree(3n, [
      { account: W1, points: 20n },
      { account: W2, points: -10n },
      { account: ME, points: 10n },
    ]);
    const tree7 = buildEpochPointsTree(7n, [{ account: W2, points: 3n }]);
    expect(sent).toEqual([
      { key: "points-root:3", epoch: 3n, root: tree3.root, total: 30n },
      { key: "points-root:7", epoch: 7n, root: tree7.root, total: 3n },
    ]);
    expect(votes.map((v) => v.epoch)).toEqual([3n, 7n]);
    // Each epoch's events are read from its own blocks only: its points change nowhere else.
    expect(eventRanges.find((r) => r.epoch === 3n)).toEqual({ epoch: 3n, fromBlock: 130n, toBlock: 139n });
    // A second pass sends nothing again.
    await voter.vote(8n, EPOCHS);
    expect(sent).toHaveLength(2);
  });

  it("looks back a bounded number of epochs", async () => {
    const all: Record<string, { points: Record<Address, bigint> }> = {};
    for (let e = 0; e < 20; e++) all[String(e)] = { points: { [W1]: 1n } };
    const { client } = chain(all);
    const { s, sent } = sender();
    await createPointsRootVoter(createTestCommon(), {
      account: ME,
      epochManager: EM,
      publicClient: client,
      sender: s,
    }).vote(20n, EPOCHS);
    expect(sent.map((v) => v.epoch)).toEqual(
      Array.from(
        { length: Number(POINTS_ROOT_LOOKBACK_EPOCHS) },
        (_, i) => 20n - POINTS_ROOT_LOOKBACK_EPOCHS + BigInt(i),
      ),
    );
  });

  it("tries again next pass when a vote could not be settled (RPC down), under the same key", async () => {
    const { client } = chain({ "1": { points: { [W1]: 1n } } });
    let fail = true;
    const { s, sent } = sender(async () => {
      if (fail) throw new RetryableError("the L2 RPC is down");
      return { status: "confirmed", txHash: "0x01" };
    });
    const voter = createPointsRootVoter(createTestCommon(), {
      account: ME,
      epochManager: EM,
      publicClient: client,
      sender: s,
    });
    await voter.vote(2n, EPOCHS);
    await new Promise((r) => setTimeout(r, 0));
    fail = false;
    await voter.vote(2n, EPOCHS);
    expect(sent.map((v) => v.key)).toEqual(["points-root:1", "points-root:1"]);
  });
});
