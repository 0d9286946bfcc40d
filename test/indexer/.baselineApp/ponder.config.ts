import { createConfig } from "ponder";
import { loadConfig, requireConfig } from "../../../config/loadConfig.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../../../contracts/generated/index.ts";

/**
 * The benchmark's baseline: a minimal Ponder app over the same contracts and the same shared config as the
 * indexer, with one insert per event and nothing else (test/bench/indexer.bench.ts).
 */
const config = loadConfig();
const c = config.contracts;
const need = (v: `0x${string}` | undefined, key: string) =>
  requireConfig(config, key, v, "by the baseline app");
const chain = "openledger" as const;
const startBlock = c.startBlock;

export default createConfig({
  database: {
    kind: "postgres",
    connectionString: requireConfig(config, "database.url", config.database.url, "by the baseline app"),
    poolConfig: { max: 10 },
  },
  chains: {
    openledger: {
      id: config.chain.chainId,
      rpc: config.chain.l2RpcUrl,
      pollingInterval: config.chain.pollingIntervalMs,
      ...(config.chain.ethGetLogsBlockRange
        ? { ethGetLogsBlockRange: config.chain.ethGetLogsBlockRange }
        : {}),
    },
  },
  contracts: {
    DatanetRegistry: {
      chain,
      abi: datanetRegistryAbi,
      address: need(c.datanetRegistry, "contracts.datanetRegistry"),
      startBlock,
    },
    ModelRegistry: {
      chain,
      abi: modelRegistryAbi,
      address: need(c.modelRegistry, "contracts.modelRegistry"),
      startBlock,
    },
    AttributionLedger: {
      chain,
      abi: attributionLedgerAbi,
      address: need(c.attributionLedger, "contracts.attributionLedger"),
      startBlock,
    },
    EpochManager: {
      chain,
      abi: epochManagerAbi,
      address: need(c.epochManager, "contracts.epochManager"),
      startBlock,
    },
    PointsDistributor: {
      chain,
      abi: pointsDistributorAbi,
      address: need(c.pointsDistributor, "contracts.pointsDistributor"),
      startBlock,
    },
  },
});
