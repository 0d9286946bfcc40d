/**
 * The compose devnet profile's one-shot setup: deploys the protocol contracts to the profile's anvil and
 * writes what the devnet indexer, nodes and traffic read (mounted read-only there):
 *   <out>/deployment.json              addresses + startBlock + chainId (contracts.deploymentFile)
 *   <out>/node-<i>/operator.json       keystore of devnet worker account i (worker.keystoreFile)
 *   <out>/node-<i>/operator.password   its password (worker.passwordFile)
 *   <out>/node-<i>/identity.key        the node's libp2p identity (p2p.keyFile), so peers know its id up front
 *   <out>/node-<i>/config.json         the node's config file (OLNODE_CONFIG): the files above, and the other
 *                                      nodes as p2p.bootstrap (`/dns4/<service>/tcp/9100/p2p/<id>`)
 *   <out>/peers.json                   every node's service name, peer id and multiaddr (for the traffic)
 * Node i runs as compose service `devnet-node` (i = 1) or `devnet-node-<i>`.
 * It runs inside the olnode image (`node node/devnet/setupComposeDevnet.ts`, compose's devnet-setup service).
 * Re-running is safe: it deploys again only when the chain no longer has the contracts (a new anvil), and
 * keeps keys and identities that exist.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { createPublicClient, createWalletClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createCommon } from "../../config/common/createCommon.ts";
import { NonRetryableUserError, RetryableError } from "../../config/errors/BaseError.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { loadPeerKey } from "../../p2p/index.ts";
import { encryptKeystore, writeSecretFile } from "../keys/keystore.ts";

/** The devnet's deployer and workers: anvil development accounts, funded on every anvil, worthless elsewhere. */
const DEPLOYER_KEY: Hex = DEVNET_KEYS.deployer;
/** A throwaway key: a cheap scrypt keeps the setup fast (production keystores use 2^18). */
const DEVNET_SCRYPT_N = 1 << 12;
/** The libp2p port every devnet node listens on inside its container (p2p.listen's default). */
const P2P_PORT = 9100;

/** The compose service that runs devnet node `i` (1-based). */
export function devnetNodeService(i: number): string {
  return i === 1 ? "devnet-node" : `devnet-node-${i}`;
}

export type SetupComposeDevnetParameters = {
  rpcUrl: string;
  outDir: string;
  /** How many nodes (each its own worker account); default 2. */
  nodes?: number;
  log?: (line: string) => void;
};

export type DevnetNodeFiles = {
  service: string;
  dir: string;
  configFile: string;
  keystoreFile: string;
  passwordFile: string;
  identityFile: string;
  operator: `0x${string}`;
  peerId: string;
  multiaddr: string;
};

export type SetupComposeDevnetReturnType = {
  deploymentFile: string;
  nodes: DevnetNodeFiles[];
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
  const count = parameters.nodes ?? 2;
  if (!Number.isInteger(count) || count < 1 || count > DEVNET_KEYS.workers.length) {
    throw new NonRetryableUserError(
      `The compose devnet runs 1 to ${DEVNET_KEYS.workers.length} nodes, not ${count}.`,
      {
        hint: `Pass --nodes between 1 and ${DEVNET_KEYS.workers.length}: each needs its own funded worker account.`,
      },
    );
  }
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

  const nodes: DevnetNodeFiles[] = [];
  const common = createCommon({ level: "warn", defaultMetrics: false });
  try {
    for (let i = 1; i <= count; i++) nodes.push(await nodeFiles(outDir, i, common, log));
  } finally {
    await common.shutdown.kill("setup done");
  }
  for (const node of nodes) {
    const config = {
      worker: { keystoreFile: node.keystoreFile, passwordFile: node.passwordFile },
      p2p: { keyFile: node.identityFile, bootstrap: nodes.filter((n) => n !== node).map((n) => n.multiaddr) },
    };
    writeSecretFile(node.configFile, `${JSON.stringify(config, null, 2)}\n`);
  }
  const peers = nodes.map(({ service, peerId, multiaddr, operator }) => ({
    service,
    peerId,
    multiaddr,
    operator,
  }));
  writeSecretFile(join(outDir, "peers.json"), `${JSON.stringify(peers, null, 2)}\n`);
  return { deploymentFile, nodes, deployed };
}

/** Node `i`'s folder: its operator keystore and password, libp2p identity, and (by the caller) config. */
async function nodeFiles(
  outDir: string,
  i: number,
  common: ReturnType<typeof createCommon>,
  log: (line: string) => void,
): Promise<DevnetNodeFiles> {
  const key = DEVNET_KEYS.workers[i - 1]!;
  const dir = join(outDir, `node-${i}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keystoreFile = join(dir, "operator.json");
  const passwordFile = join(dir, "operator.password");
  const identityFile = join(dir, "identity.key");
  const operator = privateKeyToAccount(key).address;
  if (!existsSync(keystoreFile) || !existsSync(passwordFile)) {
    const password = randomBytes(24).toString("hex");
    const keystore = await encryptKeystore(key, password, { n: DEVNET_SCRYPT_N });
    writeSecretFile(passwordFile, `${password}\n`);
    writeSecretFile(keystoreFile, `${JSON.stringify(keystore, null, 2)}\n`);
    log(`node ${i}: operator keystore for ${operator} written to ${keystoreFile}`);
  }
  // Created once (0600) and kept: the other nodes' bootstrap lists name this peer id.
  const peerId = peerIdFromPrivateKey(await loadPeerKey(common, identityFile)).toString();
  const service = devnetNodeService(i);
  return {
    service,
    dir,
    configFile: join(dir, "config.json"),
    keystoreFile,
    passwordFile,
    identityFile,
    operator,
    peerId,
    multiaddr: `/dns4/${service}/tcp/${P2P_PORT}/p2p/${peerId}`,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rpc: { type: "string" }, out: { type: "string" }, nodes: { type: "string" } },
    strict: true,
  });
  if (!values.rpc || !values.out) {
    process.stderr.write(
      "usage: node node/devnet/setupComposeDevnet.ts --rpc <anvil url> --out <dir> [--nodes <n, default 2>]\n",
    );
    return 2;
  }
  try {
    const result = await setupComposeDevnet({
      rpcUrl: values.rpc,
      outDir: values.out,
      ...(values.nodes !== undefined && { nodes: Number(values.nodes) }),
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
