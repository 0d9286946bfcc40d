/**
 * The compose devnet profile's one-shot setup: deploys the protocol contracts to the profile's anvil and
 * writes what the devnet indexer and node read (mounted read-only there):
 *   <out>/deployment.json      addresses + startBlock + chainId (contracts.deploymentFile)
 *   <out>/operator.json        keystore of anvil's funded account #1 (worker.keystoreFile)
 *   <out>/operator.password    its password (worker.passwordFile)
 * It runs inside the olnode image (`node node/devnet/setupComposeDevnet.ts`, compose's devnet-setup service).
 * Re-running is safe: it deploys again only when the chain no longer has the contracts (a new anvil).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { NonRetryableUserError, RetryableError } from "../../config/errors/BaseError.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { encryptKeystore, writeSecretFile } from "../keys/keystore.ts";

/** The devnet's deployer and first worker: anvil development accounts, funded on every anvil, worthless elsewhere. */
const DEPLOYER_KEY: Hex = DEVNET_KEYS.deployer;
const OPERATOR_KEY: Hex = DEVNET_KEYS.workers[0];
/** A throwaway key: a cheap scrypt keeps the setup fast (production keystores use 2^18). */
const DEVNET_SCRYPT_N = 1 << 12;

export type SetupComposeDevnetParameters = {
  rpcUrl: string;
  outDir: string;
  log?: (line: string) => void;
};

export type SetupComposeDevnetReturnType = {
  deploymentFile: string;
  keystoreFile: string;
  passwordFile: string;
  operator: `0x${string}`;
  /** false when an earlier run's contracts were still on the chain. */
  deployed: boolean;
};

type Deployment = { chainId: number; startBlock: number; addresses: Record<string, `0x${string}`> };

async function stillDeployed(client: PublicClient, file: string, chainId: number): Promise<boolean> {
  if (!existsSync(file)) return false;
  const previous = JSON.parse(readFileSync(file, "utf8")) as Partial<Deployment>;
  if (previous.chainId !== chainId || !previous.addresses) return false;
  for (const address of Object.values(previous.addresses)) {
    const code = await client.getCode({ address });
    if (!code || code === "0x") return false;
  }
  return true;
}

export async function setupComposeDevnet(
  parameters: SetupComposeDevnetParameters,
): Promise<SetupComposeDevnetReturnType> {
  const { rpcUrl, outDir } = parameters;
  const log = parameters.log ?? (() => {});
  const transport = http(rpcUrl, { retryCount: 1 });
  const publicClient = createPublicClient({ transport, pollingInterval: 100 }) as PublicClient;
  let chainId: number;
  try {
    chainId = await publicClient.getChainId();
  } catch (cause) {
    throw new RetryableError(`The devnet L2 at ${rpcUrl} does not answer.`, {
      cause,
      hint: "Start the devnet-anvil service first (compose does, through depends_on).",
    });
  }
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const deploymentFile = join(outDir, "deployment.json");
  const keystoreFile = join(outDir, "operator.json");
  const passwordFile = join(outDir, "operator.password");

  let deployed = false;
  if (await stillDeployed(publicClient, deploymentFile, chainId)) {
    log(`contracts already on chain ${chainId}: keeping ${deploymentFile}`);
  } else {
    const account = privateKeyToAccount(DEPLOYER_KEY);
    const walletClient = createWalletClient({ transport, account });
    const balance = await publicClient.getBalance({ address: account.address });
    if (balance === 0n) {
      throw new NonRetryableUserError(`The deployer ${account.address} has no funds on chain ${chainId}.`, {
        hint: "Point --rpc at the devnet's anvil (its development accounts are funded), not a real network.",
      });
    }
    log(`deploying the protocol contracts to chain ${chainId} at ${rpcUrl}`);
    const result = await deployContracts({ walletClient, publicClient });
    const deployment: Deployment = {
      chainId,
      startBlock: Number(result.deploymentBlock),
      addresses: result.addresses,
    };
    // Not secret, but written atomically like one so a reader never sees half a file.
    writeSecretFile(deploymentFile, `${JSON.stringify(deployment, null, 2)}\n`);
    deployed = true;
    log(`deployed at block ${deployment.startBlock}: ${JSON.stringify(result.addresses)}`);
  }

  const operator = privateKeyToAccount(OPERATOR_KEY).address;
  if (!existsSync(keystoreFile) || !existsSync(passwordFile)) {
    const password = randomBytes(24).toString("hex");
    const keystore = await encryptKeystore(OPERATOR_KEY, password, { n: DEVNET_SCRYPT_N });
    writeSecretFile(passwordFile, `${password}\n`);
    writeSecretFile(keystoreFile, `${JSON.stringify(keystore, null, 2)}\n`);
    log(`operator keystore for ${operator} written to ${keystoreFile}`);
  }
  return { deploymentFile, keystoreFile, passwordFile, operator, deployed };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rpc: { type: "string" }, out: { type: "string" } },
    strict: true,
  });
  if (!values.rpc || !values.out) {
    process.stderr.write("usage: node node/devnet/setupComposeDevnet.ts --rpc <anvil url> --out <dir>\n");
    return 2;
  }
  try {
    const result = await setupComposeDevnet({
      rpcUrl: values.rpc,
      outDir: values.out,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    // BaseError's message already carries its details and hint.
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main();
