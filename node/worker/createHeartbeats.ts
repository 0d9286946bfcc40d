import type { Address, PublicClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { heartbeatCall } from "../../contracts/actions/heartbeat.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { sendThenSettle } from "./sendThenSettle.ts";
import type { CallSender } from "./workerTypes.ts";

export type HeartbeatsDependencies = {
  account: Address;
  epochManager: Address;
  publicClient: PublicClient;
  sender: CallSender;
  /** Node health: a heartbeat claims the node's other work is healthy, so none is sent otherwise. */
  healthy(): boolean;
};

export type Heartbeats = {
  /** Sends this window's heartbeat unless it is already on-chain or the node is unhealthy. */
  beat(head: bigint, genesis: bigint): Promise<void>;
  /** The last window this worker's heartbeat is known to be in, if any. */
  lastWindow(): bigint | undefined;
};

/** One heartbeat per `heartbeatWindowBlocks` window, only while the node is healthy. */
export function createHeartbeats(common: Common, deps: HeartbeatsDependencies): Heartbeats {
  const log = common.logger.child({ module: "worker" });
  const confirmed = common.metrics.counter("worker_heartbeats_total", "Heartbeats confirmed");
  const em = { address: deps.epochManager, abi: epochManagerAbi } as const;
  let last: bigint | undefined;

  const read = <T>(functionName: string, args: unknown[] = []) =>
    deps.publicClient.readContract({ ...em, functionName, args } as never) as Promise<T>;

  return {
    lastWindow: () => last,
    async beat(head, genesis) {
      if (!deps.healthy()) return;
      const params = await read<{ heartbeatWindowBlocks: number }>("params");
      const windowLength = BigInt(params.heartbeatWindowBlocks);
      if (windowLength === 0n) return;
      const window = (head - genesis) / windowLength;
      if (last !== undefined && last >= window) return;
      const w = await read<{ lastHeartbeatWindow: bigint }>("getWorker", [deps.account]);
      if (BigInt(w.lastHeartbeatWindow) >= window && BigInt(w.lastHeartbeatWindow) !== 0n) {
        last = BigInt(w.lastHeartbeatWindow);
        return;
      }
      // Out, then confirmed in the background: the pass does not wait for the heartbeat's confirmations.
      const { out, settled } = sendThenSettle(
        deps.sender,
        { key: `heartbeat:${window}`, call: heartbeatCall({ address: deps.epochManager }) },
        async (outcome) => {
          if (outcome.status === "confirmed" || outcome.status === "done") {
            last = window;
            if (outcome.status === "confirmed") confirmed.inc();
          } else {
            log.debug({ msg: "Heartbeat not sent", window: window.toString(), error: outcome.error });
          }
        },
      );
      settled.catch((error) =>
        log.debug({ msg: "Heartbeat not settled; sent again next window", error: firstLine(error) }),
      );
      await out;
    },
  };
}
