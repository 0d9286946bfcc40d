import {
  type Account,
  type Address,
  type Chain,
  getContractAddress,
  type Hash,
  type PublicClient,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { BaseError, NonRetryableUserError } from "../../config/errors/BaseError.ts";
import {
  CONTRACT_NAMES,
  type DeploymentStep,
  deploymentPlan,
  type ResolvedDeployParams,
} from "./deploymentPlan.ts";
import { ensureL1Block } from "./ensureL1Block.ts";

export type DeployParams = {
  /** Receives the platform fee; defaults to the deploying account (which is also the protocol admin). */
  treasury?: Address;
  epochLength: bigint;
  minStake: bigint;
  validatorsPerSubject: number;
  quorum: number;
  heartbeatWindowBlocks: number;
  agreePoints: bigint;
  dissentPenalty: bigint;
  heartbeatPoints: bigint;
  inputRatePer1k: bigint;
  outputRatePer1k: bigint;
  platformFee: bigint;
  developerBps: number;
  validatorBps: number;
  contributorBps: number;
  weiPerPoint: bigint;
  /** OPEN sent to the PointsDistributor right after deployment (0n for none). */
  distributorFunding: bigint;
};

/** Devnet defaults; every one can be overridden. */
export const defaultDeployParams: DeployParams = {
  // 30 s at the devnet's 1 block/s: several epochs (and points roots) within a couple of minutes.
  epochLength: 30n,
  // Small enough that any devnet account can run several workers.
  minStake: parseEther("0.1"),
  // k = 3 with quorum 2: a single lying worker cannot decide a subject.
  validatorsPerSubject: 3,
  quorum: 2,
  // One heartbeat per epoch on the devnet (production: ~5 minutes of blocks).
  heartbeatWindowBlocks: 30,
  // Dissent costs more than agreement earns, so random verdicts lose points on average.
  agreePoints: 10n,
  dissentPenalty: 20n,
  heartbeatPoints: 1n,
  inputRatePer1k: parseEther("0.001"),
  outputRatePer1k: parseEther("0.002"),
  platformFee: parseEther("0.0001"),
  developerBps: 3000,
  validatorBps: 1000,
  contributorBps: 6000,
  weiPerPoint: parseEther("0.001"),
  distributorFunding: parseEther("100"),
};

export type DeployedAddresses = {
  datanetRegistry: Address;
  modelRegistry: Address;
  attributionLedger: Address;
  epochManager: Address;
  pointsDistributor: Address;
};

export type DeployContractsParameters = {
  walletClient: WalletClient<Transport, Chain | undefined, Account | undefined>;
  publicClient: PublicClient;
  params?: Partial<DeployParams>;
};

export type DeployContractsReturnType = {
  addresses: DeployedAddresses;
  /** The block of the first deployment: where an indexer starts. */
  deploymentBlock: bigint;
  params: ResolvedDeployParams;
};

export class DeployContractsError extends BaseError {
  override name = "DeployContractsError";
}

/**
 * Deploys the five protocol contracts and wires them: DatanetRegistry and AttributionLedger learn the
 * EpochManager (which finalizes their subjects), the ledger pays the validators' share to the
 * PointsDistributor, and the distributor is funded. Transactions are sent in two pipelined rounds, so
 * this takes two blocks on a chain with a block time.
 */
export async function deployContracts(
  parameters: DeployContractsParameters,
): Promise<DeployContractsReturnType> {
  const { walletClient, publicClient } = parameters;
  const account = walletClient.account;
  if (!account) {
    throw new NonRetryableUserError("deployContracts needs a wallet client with an account.", {
      hint: "Create the wallet client with `account: privateKeyToAccount(key)`.",
    });
  }
  // EpochManager's first write reads the L1Block predeploy; a dev chain without it gets a stand-in.
  await ensureL1Block(publicClient);
  const params = resolveDeployParams(parameters.params, account.address);
  const chain = walletClient.chain ?? null;
  const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
  const at = (i: number) => getContractAddress({ from: account.address, nonce: BigInt(nonce + i) });
  // Constructors only store addresses, so predicted addresses are safe to use before deployment.
  const addresses = Object.fromEntries(CONTRACT_NAMES.map((name, i) => [name, at(i)])) as DeployedAddresses;
  const steps = deploymentPlan(params);
  const send = async (step: DeploymentStep, i: number) => {
    const tx = step.transaction(addresses);
    return walletClient.sendTransaction({
      account,
      chain,
      nonce: nonce + i,
      ...(tx.to ? { to: tx.to } : {}),
      data: tx.data,
      ...(tx.value ? { value: tx.value } : {}),
    });
  };
  // Round 1: the creations, pipelined.
  const creations = steps.filter((s) => s.deploys);
  const deployments: Hash[] = [];
  for (const [i, step] of creations.entries()) deployments.push(await send(step, i));
  const receipts = await waitAll(publicClient, deployments, "deployment");
  const deploymentBlock = receipts[0]!.blockNumber;
  // Round 2: wiring needs the contracts to exist (gas estimation runs them).
  const wiring: Hash[] = [];
  for (const [i, step] of steps.entries()) if (!step.deploys) wiring.push(await send(step, i));
  await waitAll(publicClient, wiring, "wiring");
  return { addresses, deploymentBlock, params };
}

/**
 * The full parameters of a deployment by `admin`: defaults, overrides, admin and treasury. Throws a
 * NonRetryableUserError for values the constructors would refuse, before anything is sent.
 */
export function resolveDeployParams(
  overrides: Partial<DeployParams> | undefined,
  admin: Address,
): ResolvedDeployParams {
  // The deployer is the protocol admin: it must wire the contracts right after deploying them.
  const params = {
    ...defaultDeployParams,
    ...overrides,
    admin,
    treasury: overrides?.treasury ?? admin,
  };
  if (params.developerBps + params.validatorBps + params.contributorBps !== 10_000) {
    throw new NonRetryableUserError("The fee split must add up to 10,000 basis points.", {
      details: `developer ${params.developerBps} + validators ${params.validatorBps} + contributors ${params.contributorBps}`,
      hint: "Adjust developerBps, validatorBps and contributorBps.",
    });
  }
  for (const key of ["validatorsPerSubject", "quorum", "heartbeatWindowBlocks"] as const) {
    if (!(params[key] >= 1)) {
      throw new NonRetryableUserError(`Deploy parameter ${key} must be at least 1 (got ${params[key]}).`, {
        hint: `Pass a positive ${key}, or leave it unset for the devnet default (${defaultDeployParams[key]}).`,
      });
    }
  }
  if (params.epochLength < 1n) {
    throw new NonRetryableUserError(
      `Deploy parameter epochLength must be at least 1 block (got ${params.epochLength}).`,
      {
        hint: "Pass a positive epochLength, e.g. 30n on a devnet.",
      },
    );
  }
  return params;
}

async function waitAll(publicClient: PublicClient, hashes: Hash[], step: string) {
  const receipts = await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })));
  const failed = receipts.find((r) => r.status !== "success");
  if (failed) {
    throw new DeployContractsError(`A contract ${step} transaction reverted.`, {
      details: `transaction ${failed.transactionHash} in block ${failed.blockNumber}`,
      hint: "Check the deploy parameters (fee split, epoch length, k and quorum must be > 0).",
    });
  }
  return receipts;
}
