import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { type Common, createCommon } from "../../config/common/createCommon.ts";
import type { Logger } from "../../config/common/createLogger.ts";
import { loadConfig } from "../../config/loadConfig.ts";
import { preferPort } from "../../config/services/allocatePort.ts";
import { DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { createNode, type OlNode } from "../daemon/createNode.ts";

export type DevnetNodeInfo = { name: string; httpUrl: string; peerId: string | undefined; address: string };

export type StartDevnetNodesParameters = {
  count: number;
  dir: string;
  /** OLNODE__* settings every node shares (chain, deployment, database). */
  env: Record<string, string>;
  logger: Logger;
  /** Called with each node's Common as soon as it exists, so a failed start still stops what began. */
  onCommon(common: Common): void;
};

/**
 * `count` olnode daemons (p2p + worker) in this process, each with its own worker account, data dir, HTTP
 * port and worker schema, bootstrapped from the first and dialled to it.
 */
export async function startDevnetNodes(
  parameters: StartDevnetNodesParameters,
): Promise<{ nodes: OlNode[]; info: DevnetNodeInfo[] }> {
  const nodes: OlNode[] = [];
  const info: DevnetNodeInfo[] = [];
  for (let i = 0; i < parameters.count; i++) {
    const name = `node-${i + 1}`;
    const key = DEVNET_KEYS.workers[i]!;
    const config = loadConfig({
      env: parameters.env,
      overrides: {
        dataDir: join(parameters.dir, name),
        "http.port": await preferPort(9400 + i),
        "p2p.listen": ["/ip4/127.0.0.1/tcp/0"],
        "p2p.bootstrap": nodes[0] ? nodes[0].multiaddrs().slice(0, 1) : [],
        "database.workerSchema": `olnode_worker_${i + 1}`,
        "worker.stake": "1",
      },
    });
    const common = createCommon({
      logger: parameters.logger.child({ service: name }),
      defaultMetrics: false,
    });
    parameters.onCommon(common);
    const node = await createNode(common, config, {
      account: privateKeyToAccount(key),
      // Every devnet node shares 127.0.0.1: without this, gossipsub's IP-colocation penalty would isolate them.
      p2p: { ipColocationWhitelist: ["127.0.0.1"], backfillDelayMs: 500, sweepIntervalMs: 5_000 },
    });
    nodes.push(node);
    info.push({
      name,
      httpUrl: node.httpUrl,
      peerId: node.peerId,
      address: privateKeyToAccount(key).address,
    });
  }
  for (const n of nodes.slice(1))
    for (const a of nodes[0]!.multiaddrs().slice(0, 1)) await n.p2p?.dial(a).catch(() => {});
  return { nodes, info };
}
