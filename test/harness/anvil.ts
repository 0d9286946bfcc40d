import {
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { defineL2Chain } from "../../node/chain/defineL2Chain.ts";
import {
  type AnvilProcess,
  type LaunchAnvilParameters,
  launchAnvil,
} from "../../node/services/launchAnvil.ts";

/** anvil's well-known development keys (public knowledge: never use them for anything of value). */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
] as const satisfies readonly Hex[];

export type TestChain = AnvilProcess & {
  chain: Chain;
  accounts: PrivateKeyAccount[];
  publicClient: PublicClient;
  testClient: TestClient;
  walletClient(account?: PrivateKeyAccount): WalletClient;
  mine(blocks?: number): Promise<void>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  /**
   * Replaces the last `depth` blocks with new ones (anvil_reorg): their transactions are dropped unless
   * passed again in `replacements`, as [signed raw tx, offset from the new fork point] pairs.
   */
  reorg(depth: number, replacements?: [Hex, number][]): Promise<void>;
};

export function defineAnvilChain(rpcUrl: string, chainId = 31337): Chain {
  return defineL2Chain({ id: chainId, rpcUrl, name: "olnode anvil" });
}

/** A real anvil (`--network optimism`) on a free port with viem clients. Call `stop()` in afterAll. */
export async function startTestChain(parameters: LaunchAnvilParameters = {}): Promise<TestChain> {
  const anvil = await launchAnvil(parameters);
  const chain = defineAnvilChain(anvil.rpcUrl, anvil.chainId);
  const transport = http(anvil.rpcUrl, { retryCount: 0 });
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: 50,
    cacheTime: 0,
  }) as PublicClient;
  const testClient = createTestClient({ chain, transport, mode: "anvil" }) as unknown as TestClient;
  const accounts = ANVIL_KEYS.map((k) => privateKeyToAccount(k));
  return {
    ...anvil,
    chain,
    accounts,
    publicClient,
    testClient,
    walletClient: (account = accounts[0]!) => createWalletClient({ chain, transport, account }),
    mine: (blocks = 1) => testClient.mine({ blocks }),
    snapshot: () => testClient.snapshot(),
    revert: (id) => testClient.revert({ id }),
    async reorg(depth, replacements = []) {
      await testClient.request({
        method: "anvil_reorg" as never,
        params: [depth, replacements] as never,
      });
    },
  };
}
