import type { Address } from "viem";
import { type Config, requireConfig } from "../../config/loadConfig.ts";

export type ProtocolAddresses = {
  datanetRegistry: Address;
  modelRegistry: Address;
  attributionLedger: Address;
  epochManager: Address;
  pointsDistributor: Address;
};

/** The five protocol addresses, or a ConfigError naming the first one missing and how to set it. */
export function requireContracts(config: Config, why: string): ProtocolAddresses {
  const c = config.contracts;
  return {
    datanetRegistry: requireConfig(config, "contracts.datanetRegistry", c.datanetRegistry, why),
    modelRegistry: requireConfig(config, "contracts.modelRegistry", c.modelRegistry, why),
    attributionLedger: requireConfig(config, "contracts.attributionLedger", c.attributionLedger, why),
    epochManager: requireConfig(config, "contracts.epochManager", c.epochManager, why),
    pointsDistributor: requireConfig(config, "contracts.pointsDistributor", c.pointsDistributor, why),
  };
}
