/**
 * Network presets. A preset fixes the chain id (so a config pointing a testnet node at a mainnet RPC is
 * caught at start-up) and supplies defaults that an operator may override.
 *
 * Contract addresses are per network and configurable: the devnet deploys its own and writes them to a
 * deployment file; on testnet and mainnet they come from the operator's config (`contracts.*`).
 */
export type NetworkName = "devnet" | "testnet" | "mainnet";

export type NetworkPreset = {
  name: NetworkName;
  chainId: number;
  description: string;
  /** Default L2 JSON-RPC: the local anvil for devnet, the operator's own op-geth otherwise. */
  l2RpcUrl: string;
  /** Blocks after which Ponder treats data as final (OP Stack: reorgs only before L1 inclusion). */
  finalityBlockCount: number;
};

export const NETWORKS: Record<NetworkName, NetworkPreset> = {
  devnet: {
    name: "devnet",
    chainId: 31337,
    description: "local anvil (--network optimism) started by `olnode devnet`",
    l2RpcUrl: "http://127.0.0.1:8545",
    finalityBlockCount: 30,
  },
  testnet: {
    name: "testnet",
    chainId: 161201,
    description: "OpenLedger testnet",
    l2RpcUrl: "http://127.0.0.1:8545",
    finalityBlockCount: 30,
  },
  mainnet: {
    name: "mainnet",
    chainId: 1612,
    description: "OpenLedger mainnet",
    l2RpcUrl: "http://127.0.0.1:8545",
    finalityBlockCount: 30,
  },
};

export const NETWORK_NAMES = Object.keys(NETWORKS) as NetworkName[];
