import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PublicClient, WalletClient } from "viem";
import type { AnvilProcess } from "../../config/services/launchAnvil.ts";
import {
  type DeployedAddresses,
  type DeployParams,
  deployContracts,
} from "../../contracts/deploy/deployContracts.ts";
import { DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { createDevnetClients } from "./createDevnetClients.ts";

export type DevnetChain = {
  publicClient: PublicClient;
  addresses: DeployedAddresses;
  deploymentBlock: bigint;
  /** The deployment file the indexer and nodes read (`contracts.deploymentFile`). */
  deploymentFile: string;
  /** A wallet client on the devnet for one of DEVNET_KEYS. */
  wallet(key: `0x${string}`): WalletClient;
};

/** Deploys the protocol contracts to the devnet's anvil and writes `<dir>/deployment.json`. */
export async function deployDevnetContracts(
  anvil: AnvilProcess,
  dir: string,
  params: Partial<DeployParams> = {},
): Promise<DevnetChain> {
  const { publicClient, wallet } = createDevnetClients({
    chainId: anvil.chainId,
    rpcUrl: anvil.rpcUrl,
    name: "OpenLedger devnet",
  });
  const deployed = await deployContracts({
    walletClient: wallet(DEVNET_KEYS.deployer) as never,
    publicClient,
    params,
  });
  const deploymentFile = join(dir, "deployment.json");
  writeFileSync(
    deploymentFile,
    `${JSON.stringify({ chainId: anvil.chainId, startBlock: Number(deployed.deploymentBlock), addresses: deployed.addresses }, null, 2)}\n`,
  );
  return {
    publicClient,
    addresses: deployed.addresses,
    deploymentBlock: deployed.deploymentBlock,
    deploymentFile,
    wallet,
  };
}
