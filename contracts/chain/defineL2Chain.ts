import { type Chain, defineChain } from "viem";
import { chainConfig } from "viem/op-stack";

/** An OpenLedger L2 as viem sees it: OP Stack formatters (deposit txs, L1 fee fields), OPEN as gas token. */
export function defineL2Chain(parameters: { id: number; rpcUrl: string; name?: string }): Chain {
  return defineChain({
    ...chainConfig,
    id: parameters.id,
    name: parameters.name ?? `OpenLedger ${parameters.id}`,
    nativeCurrency: { name: "OPEN", symbol: "OPEN", decimals: 18 },
    rpcUrls: { default: { http: [parameters.rpcUrl] } },
  });
}
