import { type Address, getContract, type Hash } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { startTestChain, type TestChain } from "../../test/harness/anvil.ts";
import {
  type DeployContractsReturnType,
  type DeployParams,
  deployContracts,
} from "../deploy/deployContracts.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../generated/index.ts";

/** Test-only: a real anvil with the protocol deployed, and typed contract handles per account. */
export type ContractsFixture = TestChain &
  DeployContractsReturnType & {
    admin: PrivateKeyAccount;
    contracts(account?: PrivateKeyAccount): ReturnType<typeof handles>;
    /** Waits for a transaction and throws if it reverted. */
    confirm(
      hash: Promise<Hash> | Hash,
    ): Promise<Awaited<ReturnType<TestChain["publicClient"]["waitForTransactionReceipt"]>>>;
  };

function handles(
  chain: TestChain,
  addresses: DeployContractsReturnType["addresses"],
  account: PrivateKeyAccount,
) {
  const client = { public: chain.publicClient, wallet: chain.walletClient(account) };
  return {
    datanetRegistry: getContract({ address: addresses.datanetRegistry, abi: datanetRegistryAbi, client }),
    modelRegistry: getContract({ address: addresses.modelRegistry, abi: modelRegistryAbi, client }),
    attributionLedger: getContract({
      address: addresses.attributionLedger,
      abi: attributionLedgerAbi,
      client,
    }),
    epochManager: getContract({ address: addresses.epochManager, abi: epochManagerAbi, client }),
    pointsDistributor: getContract({
      address: addresses.pointsDistributor,
      abi: pointsDistributorAbi,
      client,
    }),
  };
}

export async function startContractsFixture(params: Partial<DeployParams> = {}): Promise<ContractsFixture> {
  const chain = await startTestChain();
  try {
    const admin = chain.accounts[0]!;
    const deployed = await deployContracts({
      walletClient: chain.walletClient(admin),
      publicClient: chain.publicClient,
      params,
    });
    return {
      ...chain,
      ...deployed,
      admin,
      contracts: (account = admin) => handles(chain, deployed.addresses, account),
      async confirm(hash) {
        const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
        if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
        return receipt;
      },
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

export function randomRoot(): Hash {
  return `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`;
}

export type { Address };
