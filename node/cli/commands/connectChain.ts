import { type Chain, createPublicClient, http, type PublicClient } from "viem";
import { ConfigError } from "../../../config/ConfigError.ts";
import type { Config } from "../../../config/loadConfig.ts";
import { defineL2Chain } from "../../../contracts/chain/defineL2Chain.ts";
import { RpcUnreachableError } from "../../deploy/deployErrors.ts";

/**
 * A reader on the configured L2 (chain.l2RpcUrl), after checking it answers (RpcUnreachableError) and is the
 * chain the config expects (ConfigError naming chain.chainId).
 */
export async function connectChain(config: Config): Promise<{ chain: Chain; publicClient: PublicClient }> {
  const rpcUrl = config.chain.l2RpcUrl;
  const chain = defineL2Chain({ id: config.chain.chainId, rpcUrl });
  const publicClient = createPublicClient({
    chain,
    transport: http(rpcUrl, { retryCount: 1 }),
    pollingInterval: 500,
  }) as PublicClient;
  let chainId: number;
  try {
    chainId = await publicClient.getChainId();
  } catch (error) {
    throw new RpcUnreachableError(rpcUrl, error);
  }
  if (chainId !== config.chain.chainId) {
    throw new ConfigError([
      {
        field: "chain.chainId",
        source: config.sources["chain.chainId"] ?? "default",
        problem: `the RPC at chain.l2RpcUrl is on chain ${chainId}, not ${config.chain.chainId}; fix network/chain.chainId or the RPC URL`,
      },
    ]);
  }
  return { chain, publicClient };
}
