import {
  type Address,
  ContractFunctionRevertedError,
  createWalletClient,
  decodeErrorResult,
  getContract,
  type Hash,
  type Hex,
  http,
  BaseError as ViemBaseError,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { protocolErrorAbi } from "../../contracts/actions/protocolCall.ts";
import {
  type DeployContractsReturnType,
  type DeployParams,
  deployContracts,
} from "../../contracts/deploy/deployContracts.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../../contracts/generated/index.ts";
import { startTestChain, type TestChain } from "./anvil.ts";

/** Test-only: a real anvil with the protocol deployed, and typed contract handles per account. */
export type ContractsFixture = TestChain &
  DeployContractsReturnType & {
    admin: PrivateKeyAccount;
    contracts(account?: PrivateKeyAccount): ReturnType<typeof handles>;
    /** Mines until the latest block is the first block of `epoch`, so the next transaction lands inside it. */
    mineToEpoch(epoch: bigint): Promise<void>;
    currentEpoch(): Promise<bigint>;
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
  // Typed with its chain and account, so writes need neither argument.
  const wallet = createWalletClient({
    chain: chain.chain,
    transport: http(chain.rpcUrl, { retryCount: 0 }),
    account,
  });
  const client = { public: chain.publicClient, wallet };
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
    let genesisBlock: bigint | undefined;
    const genesis = async () => {
      genesisBlock ??= await chain.publicClient.readContract({
        address: deployed.addresses.epochManager,
        abi: epochManagerAbi,
        functionName: "genesisBlock",
      });
      return genesisBlock;
    };
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
      async mineToEpoch(epoch) {
        const start = deployed.params.epochLength * epoch + (await genesis());
        const latest = await chain.publicClient.getBlockNumber();
        if (latest < start) await chain.mine(Number(start - latest));
      },
      async currentEpoch() {
        const latest = await chain.publicClient.getBlockNumber();
        return (latest - (await genesis())) / deployed.params.epochLength;
      },
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

/**
 * Awaits a call expected to revert and returns the decoded custom error; fails the test when it succeeds
 * or reverts without a protocol error.
 */
export async function revertOf(
  call: Promise<unknown>,
): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await call;
  } catch (error) {
    const reverted =
      error instanceof ViemBaseError
        ? error.walk((e) => e instanceof ContractFunctionRevertedError)
        : undefined;
    let raw: Hex | undefined;
    if (reverted instanceof ContractFunctionRevertedError) raw = reverted.raw;
    // Deployments are not contract calls: the revert data sits on the RPC error.
    raw ??= (
      error instanceof ViemBaseError
        ? (error.walk((e) => typeof (e as { data?: unknown }).data === "string") as
            | { data?: Hex }
            | undefined)
        : undefined
    )?.data;
    if (!raw) throw error;
    const decoded = decodeErrorResult({ abi: protocolErrorAbi, data: raw });
    return { errorName: decoded.errorName, args: (decoded.args ?? []) as readonly unknown[] };
  }
  throw new Error("expected the call to revert, but it succeeded");
}

export type { Address };
