/**
 * Compose's devnet-traffic service: what makes the compose devnet live, as `olnode devnet` does on the host.
 * It runs an olnode without a worker as the publisher of the traffic's chunks (bootstrapped to the devnet
 * nodes that devnet-setup described in <devnet>/peers.json), waits for the nodes' workers to register, mines
 * to the next epoch, then starts the traffic generator (startDevnetActivity); the nodes' workers close each epoch by voting its points root.
 *
 *   node node/devnet/runComposeTraffic.ts --devnet /devnet
 *
 * Configuration comes from the environment like `olnode start` (L2_RPC_URL, DATABASE_URL, the deployment
 * file, schemas). SIGINT/SIGTERM stop it cleanly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createCommon } from "../../config/common/createCommon.ts";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { loadConfig, requireConfig } from "../../config/loadConfig.ts";
import { createNode } from "../daemon/createNode.ts";
import { requireContracts } from "../daemon/requireContracts.ts";
import { activateDevnetWorkers } from "./activateDevnetWorkers.ts";
import { createDevnetClients } from "./createDevnetClients.ts";
import { startDevnetActivity } from "./startDevnetActivity.ts";

type Peer = { service: string; peerId: string; multiaddr: string; operator: `0x${string}` };

function readPeers(devnetDir: string): Peer[] {
  const file = join(devnetDir, "peers.json");
  try {
    const peers = JSON.parse(readFileSync(file, "utf8")) as Peer[];
    if (!Array.isArray(peers) || peers.length === 0) throw new Error("no peers listed");
    return peers;
  } catch (cause) {
    throw new NonRetryableUserError(`Cannot read the devnet's nodes from ${file}.`, {
      cause,
      hint: "devnet-setup writes it: start the devnet profile with compose, which runs devnet-setup first.",
    });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { devnet: { type: "string" } }, strict: true });
  if (!values.devnet) {
    process.stderr.write("usage: node node/devnet/runComposeTraffic.ts --devnet <devnet-setup's folder>\n");
    return 2;
  }
  const peers = readPeers(values.devnet);
  const config = loadConfig({
    env: process.env,
    overrides: { "worker.enabled": false, "p2p.bootstrap": peers.map((p) => p.multiaddr) },
  });
  const common = createCommon({ level: config.log.level, format: config.log.format, name: "devnet-traffic" });
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => void common.shutdown.kill(signal).then(resolve);
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  try {
    const rpcUrl = requireConfig(config, "chain.l2RpcUrl", config.chain.l2RpcUrl, "for the devnet traffic");
    const addresses = requireContracts(config, "for the devnet traffic");
    const node = await createNode(common, config);
    if (!node.p2p)
      throw new NonRetryableUserError("The traffic's node has no p2p.", { hint: "Leave p2p enabled." });
    const { publicClient, wallet } = createDevnetClients({
      chainId: config.chain.chainId ?? (await node.publicClient.getChainId()),
      rpcUrl,
    });
    common.logger.info({
      msg: "Waiting for the devnet workers to register",
      workers: peers.map((p) => p.operator),
    });
    await activateDevnetWorkers({
      publicClient,
      epochManager: addresses.epochManager,
      workers: peers.map((p) => p.operator),
      signal: common.shutdown.signal,
    });
    startDevnetActivity({
      logger: common.logger,
      publicClient,
      wallet,
      addresses,
      publisher: node.p2p,
      shutdown: common.shutdown,
    });
    common.logger.info({ msg: "Devnet traffic running" });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    await common.shutdown.kill("traffic failed");
    return 1;
  }
  await stopped;
  return 0;
}

if (import.meta.main) process.exitCode = await main();
