import type { Address, PublicClient, WalletClient } from "viem";
import { createCommon } from "../../config/common/createCommon.ts";
import type { Logger } from "../../config/common/createLogger.ts";
import type { Shutdown } from "../../config/common/createShutdown.ts";
import { DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import type { P2PNode } from "../../p2p/index.ts";
import type { ProtocolAddresses } from "../daemon/requireContracts.ts";
import { createTrafficGenerator } from "./createTrafficGenerator.ts";

export type StartDevnetActivityParameters = {
  logger: Logger;
  publicClient: PublicClient;
  /** A wallet client on the devnet for one of DEVNET_KEYS. */
  wallet(key: `0x${string}`): WalletClient;
  addresses: ProtocolAddresses & { epochManager: Address };
  /** The node that publishes the traffic's chunks. */
  publisher: P2PNode;
  /** Where the timers' stops are registered (run in reverse order of registration). */
  shutdown: Shutdown;
  traffic?: boolean;
  /** Milliseconds between traffic actions (default 1500). */
  trafficIntervalMs?: number;
};

/**
 * What makes a devnet live once its nodes run: the traffic generator (Datanets, contributions good and bad, a
 * model, inferences, claims) on a timer. Ended epochs are closed by the nodes' own workers, which vote each
 * one's points root (node/worker/createPointsRootVoter.ts); nobody posts one. Shared by `olnode devnet` and
 * compose's devnet-traffic service.
 */
export function startDevnetActivity(parameters: StartDevnetActivityParameters): {
  traffic: ReturnType<typeof createTrafficGenerator> | undefined;
} {
  const { publicClient, wallet, addresses, shutdown } = parameters;
  if (!(parameters.traffic ?? true)) return { traffic: undefined };
  const trafficCommon = createCommon({
    logger: parameters.logger.child({ service: "traffic" }),
    defaultMetrics: false,
  });
  const traffic = createTrafficGenerator(trafficCommon, {
    publicClient,
    owner: wallet(DEVNET_KEYS.owner),
    contributors: DEVNET_KEYS.contributors.map(wallet),
    payer: wallet(DEVNET_KEYS.payer),
    addresses,
    publisher: parameters.publisher,
  });
  const timer = setInterval(() => void traffic.step(), parameters.trafficIntervalMs ?? 1500);
  void traffic.step();
  shutdown.add("traffic", async () => {
    clearInterval(timer);
    await trafficCommon.shutdown.kill("devnet stop");
  });
  return { traffic };
}
