import { existsSync, readFileSync } from "node:fs";
import {
  type Address,
  type Chain,
  getAddress,
  getContractAddress,
  type Hash,
  keccak256,
  type LocalAccount,
  type PublicClient,
  TransactionReceiptNotFoundError,
  type Transport,
  type WalletClient,
} from "viem";
import {
  type DeployedAddresses,
  type DeployParams,
  resolveDeployParams,
} from "../../contracts/deploy/deployContracts.ts";
import {
  CONTRACT_NAMES,
  type DeploymentStep,
  deploymentPlan,
  type ResolvedDeployParams,
} from "../../contracts/deploy/deploymentPlan.ts";
import { ensureL1Block } from "../../contracts/deploy/ensureL1Block.ts";
import { runtimeCodeMatches } from "../../contracts/deploy/runtimeCodeMatches.ts";
import {
  describeProblem,
  RUNTIME_ARTIFACTS,
  verifyDeployment,
} from "../../contracts/deploy/verifyDeployment.ts";
import { writeSecretFile } from "../keys/keystore.ts";
import {
  DeploymentChainMismatchError,
  DeploymentProgressError,
  DeploymentVerificationError,
  formatOpen,
  InsufficientBalanceError,
} from "./deployErrors.ts";
import {
  type DeploymentProgress,
  readDeploymentProgress,
  type StepRecord,
  writeDeploymentProgress,
} from "./deploymentProgress.ts";
import { parseDeployParams, serializeDeployParams } from "./deployParamsFile.ts";

/** Gas allowed per wiring call in the balance check (they cannot be estimated before the contracts exist). */
const WIRING_GAS_ALLOWANCE = 120_000n;

export type RunDeploymentParameters = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, LocalAccount>;
  chainId: number;
  /** The file `contracts.deploymentFile` names: chainId, startBlock, addresses. */
  deploymentFile: string;
  /** Every step as it happens; resumed from on the next run. */
  progressFile: string;
  /** Explicit parameters (`--params`); unset: the progress file's, else the defaults. */
  params?: Partial<DeployParams>;
  log?: (line: string) => void;
  /** Test-only crash points (config/testHooks.ts): `deploy:signed:<step>`, `deploy:sent:<step>`, `deploy:done:<step>`. */
  crashAt?: (point: string) => void;
};

export type RunDeploymentReturnType = {
  /** `unchanged`: an earlier run had finished and it still verifies; nothing was sent. */
  status: "deployed" | "unchanged";
  addresses: DeployedAddresses;
  startBlock: number;
  /** Transactions this run broadcast (re-broadcasts of a recorded one included). */
  sent: number;
  /** Admin settings that differ from the deployment's parameters (changed since, on purpose or not). */
  warnings: string[];
  params: ResolvedDeployParams;
};

export type DeploymentFile = {
  chainId: number;
  startBlock: number;
  addresses: DeployedAddresses;
  deployer: Address;
  /** Where each step is recorded (this file's progress file). */
  progressFile: string;
};

/**
 * `olnode deploy`'s driver: runs the protocol's deployment plan one transaction at a time, recording each in
 * the progress file before broadcasting it and again once mined, so a run killed anywhere resumes without
 * sending anything twice; then verifies code and wiring on-chain and writes the deployment file. A run after a
 * finished one only verifies.
 */
export async function runDeployment(parameters: RunDeploymentParameters): Promise<RunDeploymentReturnType> {
  const { publicClient, walletClient, chainId, deploymentFile, progressFile } = parameters;
  const log = parameters.log ?? (() => {});
  const crashAt = parameters.crashAt ?? (() => {});
  const account = walletClient.account;

  if (existsSync(deploymentFile)) {
    const existing = JSON.parse(readFileSync(deploymentFile, "utf8")) as Partial<DeploymentFile>;
    if (typeof existing.chainId === "number" && existing.chainId !== chainId)
      throw new DeploymentChainMismatchError(deploymentFile, existing.chainId, chainId);
  }
  let progress = readDeploymentProgress(progressFile);
  if (progress && progress.chainId !== chainId)
    throw new DeploymentChainMismatchError(progressFile, progress.chainId, chainId);
  if (!progress && existsSync(deploymentFile)) {
    throw new DeploymentProgressError(
      `${deploymentFile} exists but has no progress file beside it (${progressFile}).`,
      {
        hint: "It was not written by `olnode deploy` (the devnet writes its own): pass another --out to deploy anew.",
      },
    );
  }
  if (progress && progress.deployer.toLowerCase() !== account.address.toLowerCase()) {
    throw new DeploymentProgressError(
      `${progressFile} was started by ${progress.deployer}, not by this keystore's ${account.address}.`,
      {
        hint: "Resume with the same keystore (the deployer is the contracts' admin), or pass another --out.",
      },
    );
  }

  const recorded = progress ? parseDeployParams(progress.params, progressFile) : undefined;
  const params = resolveDeployParams(parameters.params ?? recorded, account.address);
  if (progress && parameters.params) {
    const before = JSON.stringify(serializeDeployParams(resolveDeployParams(recorded, account.address)));
    if (before !== JSON.stringify(serializeDeployParams(params))) {
      throw new DeploymentProgressError(`--params differ from those ${progressFile} was started with.`, {
        details: `recorded ${JSON.stringify(progress.params)}`,
        hint: "Resume without --params (the recorded ones are used), or pass another --out for a new deployment.",
      });
    }
  }
  progress ??= {
    version: 1,
    chainId,
    deployer: account.address,
    params: serializeDeployParams(params),
    steps: {},
  } satisfies DeploymentProgress;
  const save = () => writeDeploymentProgress(progressFile, progress);

  const steps = deploymentPlan(params);
  const addresses: Partial<DeployedAddresses> = {};
  let sent = 0;
  const wasComplete = progress.completedAt !== undefined && existsSync(deploymentFile);

  // Reconcile what an earlier run recorded with the chain.
  for (const step of steps) {
    const record = progress.steps[step.id];
    if (!record) continue;
    if (record.status === "sent") {
      const outcome = await settleSent(parameters, step, record);
      if (outcome.kind === "rebroadcast") sent++;
      if (outcome.kind === "lost") {
        log(
          `${step.describe}: its transaction ${record.hash} was never mined and nonce ${record.nonce} was used since; sending it again`,
        );
        delete progress.steps[step.id];
        save();
        continue;
      }
      progress.steps[step.id] = outcome.record;
      save();
    }
    const done = progress.steps[step.id];
    if (done?.status === "done" && step.deploys) {
      const address = done.address!;
      const code = await publicClient.getCode({ address });
      const artifact = RUNTIME_ARTIFACTS[step.deploys];
      const compared = runtimeCodeMatches(code, artifact.code, artifact.immutables);
      if (!compared.match) {
        throw new DeploymentVerificationError(
          [
            `${step.deploys} at ${address} (recorded in ${progressFile}, tx ${done.hash}): ${code === undefined || code === "0x" ? "no code there" : `its code is not the compiled ${step.deploys} (first difference at byte ${compared.offset})`}`,
          ],
          "The chain no longer holds what this deployment recorded (a reset devnet, or tampering): investigate, then deploy anew with another --out.",
        );
      }
      addresses[step.deploys] = address;
    }
  }

  const remaining = steps.filter((s) => progress.steps[s.id]?.status !== "done");
  if (remaining.length > 0) {
    if (Object.keys(progress.steps).length === 0)
      log(`deploying the protocol to chain ${chainId} from ${account.address}`);
    else log(`resuming: ${steps.length - remaining.length} of ${steps.length} steps already done`);
    await ensureL1Block(publicClient);
    await checkBalance(parameters, remaining, addresses);
  }
  for (const step of remaining) {
    const tx = step.transaction(addresses);
    const request = await walletClient.prepareTransactionRequest({
      account,
      chain: walletClient.chain,
      ...(tx.to ? { to: tx.to } : {}),
      data: tx.data,
      ...(tx.value ? { value: tx.value } : {}),
    });
    const raw = await walletClient.signTransaction(request as never);
    const hash = keccak256(raw);
    const nonce = request.nonce;
    const predicted = step.deploys
      ? getContractAddress({ from: account.address, nonce: BigInt(nonce) })
      : undefined;
    progress.steps[step.id] = {
      status: "sent",
      nonce,
      hash,
      raw,
      ...(predicted ? { address: predicted } : {}),
    };
    save();
    crashAt(`deploy:signed:${step.id}`);
    await walletClient.sendRawTransaction({ serializedTransaction: raw });
    sent++;
    crashAt(`deploy:sent:${step.id}`);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const record = doneRecord(
      step,
      progress.steps[step.id] as StepRecord & { status: "sent" },
      receipt,
      progressFile,
    );
    progress.steps[step.id] = record;
    save();
    if (step.deploys) addresses[step.deploys] = record.address!;
    log(
      `${step.describe}: ${record.address ? `${record.address} ` : ""}in tx ${hash} (block ${record.block})`,
    );
    crashAt(`deploy:done:${step.id}`);
  }

  const full = addresses as DeployedAddresses;
  const problems = await verifyDeployment({ publicClient, addresses: full, params });
  const fatal = problems.filter((p) => p.code !== "WIRING_MISMATCH" || !p.adjustable);
  if (fatal.length > 0) {
    throw new DeploymentVerificationError(
      fatal.map(describeProblem),
      "The contracts on-chain are not the deployment recorded: investigate before pointing a node at them.",
    );
  }
  const warnings = problems.filter((p) => !fatal.includes(p)).map(describeProblem);
  const first = progress.steps[`deploy:${CONTRACT_NAMES[0]}`];
  const startBlock = first?.status === "done" ? first.block : 0;
  if (!wasComplete) {
    const file: DeploymentFile = {
      chainId,
      startBlock,
      addresses: full,
      deployer: account.address,
      progressFile,
    };
    writeSecretFile(deploymentFile, `${JSON.stringify(file, null, 2)}\n`);
    progress.completedAt = new Date().toISOString();
    save();
  }
  return {
    status: wasComplete && sent === 0 ? "unchanged" : "deployed",
    addresses: full,
    startBlock,
    sent,
    warnings,
    params,
  };
}

function doneRecord(
  step: DeploymentStep,
  sentRecord: { nonce: number; hash: Hash },
  receipt: { status: string; blockNumber: bigint; contractAddress?: Address | null },
  progressFile: string,
): StepRecord & { status: "done" } {
  if (receipt.status !== "success") {
    throw new DeploymentProgressError(
      `${step.describe} reverted (tx ${sentRecord.hash}, block ${receipt.blockNumber}).`,
      {
        hint: `Check the deploy parameters and the deployer's role; the step stays recorded in ${progressFile}, move it away to start over.`,
      },
    );
  }
  return {
    status: "done",
    nonce: sentRecord.nonce,
    hash: sentRecord.hash,
    block: Number(receipt.blockNumber),
    ...(step.deploys ? { address: getAddress(receipt.contractAddress!) } : {}),
  };
}

type Settled =
  | { kind: "mined"; record: StepRecord & { status: "done" } }
  | { kind: "rebroadcast"; record: StepRecord & { status: "done" } }
  | { kind: "lost" };

/** A step recorded as sent: mined since, still to broadcast (its nonce is free), or lost (the nonce went elsewhere). */
async function settleSent(
  { publicClient, walletClient, progressFile }: RunDeploymentParameters,
  step: DeploymentStep,
  record: StepRecord & { status: "sent" },
): Promise<Settled> {
  const receipt = await publicClient.getTransactionReceipt({ hash: record.hash }).catch((error: unknown) => {
    if (error instanceof TransactionReceiptNotFoundError) return undefined;
    throw error;
  });
  if (receipt) return { kind: "mined", record: doneRecord(step, record, receipt, progressFile) };
  const account = walletClient.account!.address;
  const mined = await publicClient.getTransactionCount({ address: account, blockTag: "latest" });
  if (mined > record.nonce) return { kind: "lost" };
  // Still pending somewhere, or never broadcast: the same signed bytes again are harmless either way.
  await walletClient.sendRawTransaction({ serializedTransaction: record.raw }).catch((error: Error) => {
    if (!/already known|known transaction|nonce too low|already imported/i.test(error.message)) throw error;
  });
  const again = await publicClient.waitForTransactionReceipt({ hash: record.hash });
  return { kind: "rebroadcast", record: doneRecord(step, record, again, progressFile) };
}

/** Refuses to start (or resume) when the deployer cannot pay for the remaining steps at today's gas price. */
async function checkBalance(
  { publicClient, walletClient }: RunDeploymentParameters,
  remaining: DeploymentStep[],
  known: Partial<DeployedAddresses>,
): Promise<void> {
  const from = walletClient.account.address;
  const nonce = await publicClient.getTransactionCount({ address: from, blockTag: "pending" });
  // Contracts not deployed yet get the address their creation will have: constructors only store them.
  const addresses: Partial<DeployedAddresses> = { ...known };
  let offset = 0;
  for (const step of remaining) {
    if (step.deploys) addresses[step.deploys] ??= getContractAddress({ from, nonce: BigInt(nonce + offset) });
    offset++;
  }
  let gas = 0n;
  let value = 0n;
  for (const step of remaining) {
    const tx = step.transaction(addresses);
    value += tx.value ?? 0n;
    gas += step.deploys
      ? await publicClient.estimateGas({ account: from, data: tx.data })
      : WIRING_GAS_ALLOWANCE;
  }
  const fees = await publicClient.estimateFeesPerGas();
  const price = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
  // 20 % margin for the OP Stack L1 data fee and a gas price that moves while the steps run.
  const needed = (gas * price * 12n) / 10n + value;
  const balance = await publicClient.getBalance({ address: from });
  if (balance < needed) {
    throw new InsufficientBalanceError(
      from,
      needed,
      balance,
      `${remaining.length} transaction(s) (${gas} gas at ${price} wei/gas${value ? ` plus ${formatOpen(value)} OPEN of distributor funding` : ""})`,
    );
  }
}
