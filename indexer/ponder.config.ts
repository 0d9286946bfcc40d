import { createConfig } from "ponder";
import { loadConfig, requireConfig } from "../config/loadConfig.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../contracts/generated/index.ts";
import { reorgAwareTransport } from "./rpc/reorgAwareTransport.ts";

/**
 * The indexer reads the sidecar's one configuration (config/loadConfig.ts: OLNODE__* env, OLNODE_CONFIG file,
 * DATABASE_URL, the deployment file) — there is no second config. The schema names come from
 * `ponder start --schema/--views-schema`, which startIndexer.ts derives from `database.*`.
 */
const config = loadConfig();
const contracts = config.contracts;
const need = (key: keyof typeof contracts & string, why = "to index the protocol contracts") =>
  requireConfig(config, `contracts.${key}`, contracts[key] as `0x${string}` | undefined, why);

const startBlock = contracts.startBlock;
const chain = "openledger" as const;

export default createConfig({
  database: {
    kind: "postgres",
    connectionString: requireConfig(config, "database.url", config.database.url, "by the indexer"),
    // Two cores and one shared Postgres: a small pool leaves connections for the node and the worker.
    poolConfig: { max: 10 },
  },
  chains: {
    openledger: {
      id: config.chain.chainId,
      // eth_getLogs for a block a reorg replaced fails at once instead of after Ponder's ~64 s of retries.
      rpc: reorgAwareTransport(config.chain.l2RpcUrl),
      ...(/^wss?:/.test(config.chain.l2RpcUrl) ? { ws: config.chain.l2RpcUrl } : {}),
      pollingInterval: config.chain.pollingIntervalMs,
      ...(config.chain.ethGetLogsBlockRange
        ? { ethGetLogsBlockRange: config.chain.ethGetLogsBlockRange }
        : {}),
    },
  },
  contracts: {
    DatanetRegistry: { chain, abi: datanetRegistryAbi, address: need("datanetRegistry"), startBlock },
    ModelRegistry: { chain, abi: modelRegistryAbi, address: need("modelRegistry"), startBlock },
    AttributionLedger: { chain, abi: attributionLedgerAbi, address: need("attributionLedger"), startBlock },
    EpochManager: { chain, abi: epochManagerAbi, address: need("epochManager"), startBlock },
    PointsDistributor: { chain, abi: pointsDistributorAbi, address: need("pointsDistributor"), startBlock },
  },
  blocks: {
    // Every live block's hash into `indexed_block` (src/IndexedBlock.ts, GET /api/v1/status). From the head at
    // start-up, not the deployment: a per-block source over the backfill would fetch every block of the chain.
    IndexedBlock: { chain, startBlock: "latest", interval: 1 },
  },
});
