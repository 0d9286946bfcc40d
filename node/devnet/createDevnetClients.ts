import {
  type Chain,
  createPublicClient,
  createWalletClient,
  http,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { defineL2Chain } from "../../contracts/chain/defineL2Chain.ts";

export type CreateDevnetClientsParameters = {
  chainId: number;
  rpcUrl: string;
  /** The chain's display name; defineL2Chain's default when absent. */
  name?: string;
};

export type DevnetClients = {
  chain: Chain;
  /** Polls every 250 ms and caches nothing: the devnet mines fast and its tools read their own writes. */
  publicClient: PublicClient;
  /** A wallet client on the same chain and transport for one of DEVNET_KEYS. */
  wallet(key: `0x${string}`): WalletClient;
};

/** The viem clients the devnet's tools (contract deploy, traffic) share: one transport, retried 3 times. */
export function createDevnetClients(parameters: CreateDevnetClientsParameters): DevnetClients {
  const chain = defineL2Chain({ id: parameters.chainId, rpcUrl: parameters.rpcUrl, name: parameters.name });
  const transport = http(parameters.rpcUrl, { retryCount: 3 });
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: 250,
    cacheTime: 0,
  }) as PublicClient;
  const wallet = (key: `0x${string}`) =>
    createWalletClient({ chain, transport, account: privateKeyToAccount(key) }) as WalletClient;
  return { chain, publicClient, wallet };
}
