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
import {
  type AnvilProcess,
  type LaunchAnvilParameters,
  launchAnvil,
} from "../../config/services/launchAnvil.ts";
import { defineL2Chain } from "../../contracts/chain/defineL2Chain.ts";
import { ANVIL_KEYS } from "../../contracts/deploy/devnetKeys.ts";

/** anvil's well-known development keys (public knowledge: never use them for anything of value). */
export { ANVIL_KEYS };

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

/** Blocks per anvil_mine call: a fraction of a second of anvil's time, seconds under load. */
const MINE_STEP = 100;

export function defineAnvilChain(rpcUrl: string, chainId = 31337): Chain {
  return defineL2Chain({ id: chainId, rpcUrl, name: "olnode anvil" });
}

/** A real anvil (`--network optimism`) on a free port with viem clients. Call `stop()` in afterAll. */
export async function startTestChain(parameters: LaunchAnvilParameters = {}): Promise<TestChain> {
  const anvil = await launchAnvil(parameters);
  const chain = defineAnvilChain(anvil.rpcUrl, anvil.chainId);
  // A budget, not a speed check: viem's 10 s default is within reach of a loaded anvil (after a bulk run).
  const transport = http(anvil.rpcUrl, { retryCount: 0, timeout: 60_000 });
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
    // In steps: one anvil_mine of hundreds of blocks can outlast the client's 10 s timeout on a loaded machine
    // (and then goes on mining after the client gave up).
    async mine(blocks = 1) {
      let left = blocks;
      do {
        const step = Math.min(left, MINE_STEP);
        await testClient.mine({ blocks: step });
        left -= step;
      } while (left > 0);
    },
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
