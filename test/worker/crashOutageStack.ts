/**
 * The stack the worker's kill -9 and outage tests share: anvil mining a block a second, the contracts
 * deployed so that a lone worker is assigned every subject and decides it alone (k = 1, quorum 1), the
 * real indexer, a p2p "seeder" in this process that holds the contributions' chunks, and `olnode start`
 * as a real child process that the tests kill, restart and cut off.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { type Address, type Hash, parseEventLogs, toFunctionSelector } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Common, createTestCommon } from "../../config/common/createCommon.ts";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { contribute } from "../../contracts/actions/contribute.ts";
import { createDatanet } from "../../contracts/actions/createDatanet.ts";
import { type DeployContractsReturnType, deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import { encryptKeystore, writeSecretFile } from "../../node/keys/keystore.ts";
import { createChainCommitmentSource } from "../../node/p2p/createChainCommitmentSource.ts";
import { syntheticText } from "../../node/worker/validation/syntheticText.ts";
import { createP2PNode, type P2PNode } from "../../p2p/index.ts";
import { startTestChain, type TestChain } from "../harness/anvil.ts";
import { registerDiagnosis } from "../harness/currentTest.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { lastLines, WaitForAbort } from "../harness/waitFor.ts";
import { cleanEnv, startTestIndexer } from "../indexer/indexerFixture.ts";

const ENTRY = new URL("../../node/cli/olnode.ts", import.meta.url).pathname;
const ATTEST = toFunctionSelector(
  "attest(uint256 epoch, uint8 kind, uint256 subjectId, uint8 verdict, uint32 score, bytes32 resultHash)",
);
const CHUNK_BYTES = 1024;

export type WorkerProcess = {
  child: ChildProcess;
  httpUrl: string;
  logs(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Throws WaitForAbort (ends a waitFor at once) when the process is gone. */
  alive(): void;
  stop(): Promise<void>;
};

export type TaskRow = {
  epoch: string;
  kind: string;
  subject_id: string;
  status: string;
  tx_hash: string | null;
};

export type AttestTx = { hash: Hash; subjectId: bigint; epoch: bigint; success: boolean; block: bigint };

export type WorkerStack = {
  chain: TestChain;
  deployment: DeployContractsReturnType;
  operator: Address;
  seeder: P2PNode;
  datanetId: bigint;
  indexer(): IndexerProcess | undefined;
  /**
   * Starts (or restarts) the indexer. Start it after `mineToNextEpoch`: Ponder catches up on a jump of
   * hundreds of blocks far faster as a backfill than block by block in realtime.
   */
  startIndexer(): Promise<void>;
  /** Publishes a new text on the seeder and commits it on-chain; returns the contribution id. */
  contribute(seed: number): Promise<bigint>;
  /**
   * Starts `olnode start` as the operator. `home` names its data dir and worker schema (default "node"): a test
   * that must not share a LevelDB lock or a task table with another uses a home of its own.
   */
  startWorker(
    env?: Record<string, string>,
    opts?: { httpPort?: number; home?: string; signal?: AbortSignal },
  ): Promise<WorkerProcess>;
  /** Mines to the first block of the next epoch (a worker registered now is active from there). */
  mineToNextEpoch(): Promise<bigint>;
  registered(): Promise<boolean>;
  /** Attested events of the operator, from eth_getLogs. */
  attestations(): Promise<{ subjectId: bigint; epoch: bigint; txHash: Hash }[]>;
  /** Every attest transaction the operator sent since `fromBlock`, mined or reverted. */
  attestTxs(fromBlock: bigint): Promise<AttestTx[]>;
  /** The task table of `home`'s worker schema (see startWorker). */
  tasks(home?: string): Promise<TaskRow[]>;
  stop(): Promise<void>;
};

/** The worker schema of a home: the default one for "node", as before homes existed. */
const workerSchema = (home: string) =>
  home === "node" ? "olnode_worker" : `olnode_worker_${home.replace(/[^a-z0-9_]/gi, "_")}`;

export async function startWorkerStack(parameters: {
  databaseUrl: string;
  epochLength: bigint;
}): Promise<WorkerStack> {
  const dir = makeTempDir("olnode-worker-faults-");
  const common: Common = createTestCommon("seeder");
  // A block a second: receipts get their confirmations and epochs move while the worker is down.
  const chain = await startTestChain({ blockTime: 1 });
  const deployment = await deployContracts({
    walletClient: chain.walletClient() as never,
    publicClient: chain.publicClient,
    params: { epochLength: parameters.epochLength, validatorsPerSubject: 1, quorum: 1 },
  });
  const { addresses } = deployment;
  const as = (account: (typeof chain.accounts)[number]) => ({
    publicClient: chain.publicClient,
    walletClient: chain.walletClient(account),
  });
  const { datanetId } = await createDatanet(as(chain.accounts[4]!), {
    address: addresses.datanetRegistry,
    name: "faults",
    metadataURI: "ipfs://faults",
    format: "text",
    maxChunkBytes: CHUNK_BYTES,
  });

  let indexer: IndexerProcess | undefined;
  const seeder = await createP2PNode(common, {
    options: {
      keyPath: join(dir, "seeder", "key"),
      storePath: join(dir, "seeder", "store"),
      listen: ["/ip4/127.0.0.1/tcp/0"],
      ipColocationWhitelist: ["127.0.0.1"],
      chunkBytes: CHUNK_BYTES,
    },
    commitments: createChainCommitmentSource(chain.publicClient, addresses.datanetRegistry),
    datanets: [datanetId],
  });

  // The operator key in a keystore the node unlocks at start; funded for its stake and gas.
  const key = generatePrivateKey();
  const operator = privateKeyToAccount(key).address;
  await chain.testClient.setBalance({ address: operator, value: 10n ** 20n });
  mkdirSync(join(dir, "node"), { recursive: true });
  const keystoreFile = join(dir, "node", "operator.json");
  writeSecretFile(keystoreFile, JSON.stringify(await encryptKeystore(key, "faults", { n: 4096 })));
  const passwordFile = join(dir, "node", "password");
  writeFileSync(passwordFile, "faults\n", { mode: 0o600 });

  const baseEnv = (): Record<string, string> => ({
    ...(Object.fromEntries(Object.entries(cleanEnv()).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >),
    OLNODE__NETWORK: "devnet",

    OLNODE__CHAIN__L2_RPC_URL: chain.rpcUrl,
    OLNODE__CHAIN__POLLING_INTERVAL_MS: "200",
    OLNODE__DATABASE__URL: parameters.databaseUrl,
    OLNODE__CONTRACTS__DATANET_REGISTRY: addresses.datanetRegistry,
    OLNODE__CONTRACTS__MODEL_REGISTRY: addresses.modelRegistry,
    OLNODE__CONTRACTS__ATTRIBUTION_LEDGER: addresses.attributionLedger,
    OLNODE__CONTRACTS__EPOCH_MANAGER: addresses.epochManager,
    OLNODE__CONTRACTS__POINTS_DISTRIBUTOR: addresses.pointsDistributor,
    OLNODE__CONTRACTS__START_BLOCK: String(deployment.deploymentBlock),
    OLNODE__WORKER__KEYSTORE_FILE: keystoreFile,
    OLNODE__WORKER__PASSWORD_FILE: passwordFile,
    OLNODE__P2P__LISTEN: "/ip4/127.0.0.1/tcp/0",
    OLNODE__P2P__BOOTSTRAP: seeder.multiaddrs()[0]!,
    OLNODE__LOG__FORMAT: "json",
  });

  const children = new Set<ChildProcess>();
  const workerPool = new pg.Pool({ connectionString: parameters.databaseUrl, max: 1 });
  workerPool.on("error", () => {}); // the outage test restarts the server under it
  let contributions = 0;

  return {
    chain,
    deployment,
    operator,
    seeder,
    datanetId,
    indexer: () => indexer,
    async startIndexer() {
      await indexer?.stop().catch(() => {});
      indexer = await startTestIndexer({ chain, databaseUrl: parameters.databaseUrl, deployment });
    },
    async contribute(seed) {
      const bytes = new TextEncoder().encode(syntheticText(seed, 400));
      const root = await seeder.publish({ datanetId, bytes });
      const { contributionId } = await contribute(as(chain.accounts[5 + (contributions++ % 3)]!), {
        address: addresses.datanetRegistry,
        datanetId,
        dataRoot: root.dataRoot,
        byteSize: BigInt(root.byteSize),
        chunkCount: root.count,
        license: "CC-BY-4.0",
        metadataURI: `ipfs://f/${seed}`,
      });
      return contributionId;
    },
    async startWorker(env = {}, opts = {}) {
      // A test aborted by its timeout starts nothing more (what it started is killed by the harness).
      opts.signal?.throwIfAborted();
      const httpPort = opts.httpPort ?? (await allocatePort());
      const home = opts.home ?? "node";
      let logs = "";
      const child = spawn(process.execPath, [ENTRY, "start"], {
        env: {
          ...baseEnv(),
          OLNODE__DATA_DIR: join(dir, home, "data"),
          OLNODE__DATABASE__WORKER_SCHEMA: workerSchema(home),
          OLNODE__HTTP__PORT: String(httpPort),
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.add(child);
      registerDiagnosis(`olnode start ${child.pid}`, () =>
        lastLines(
          `olnode start (pid ${child.pid}, home ${home}${child.exitCode !== null || child.signalCode !== null ? `, exited ${child.exitCode ?? child.signalCode}` : ""})`,
          logs,
          30,
        ),
      );
      child.stdout!.on("data", (d) => (logs = `${logs}${d}`.slice(-400_000)));
      child.stderr!.on("data", (d) => (logs = `${logs}${d}`.slice(-400_000)));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, signal) => {
          children.delete(child);
          resolve({ code, signal });
        }),
      );
      return {
        child,
        httpUrl: `http://127.0.0.1:${httpPort}`,
        logs: () => logs,
        exited,
        alive() {
          if (child.exitCode !== null || child.signalCode !== null)
            throw new WaitForAbort(
              `olnode start exited (${child.exitCode ?? child.signalCode}):\n${logs.slice(-8000)}`,
            );
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          await exited;
          clearTimeout(timer);
        },
      };
    },
    async mineToNextEpoch() {
      const head = await chain.publicClient.getBlockNumber();
      const genesis = await chain.publicClient.readContract({
        address: addresses.epochManager,
        abi: epochManagerAbi,
        functionName: "genesisBlock",
      });
      const next = ((head - genesis) / parameters.epochLength + 1n) * parameters.epochLength + genesis;
      if (next > head) await chain.mine(Number(next - head));
      return next;
    },
    async registered() {
      const w = await chain.publicClient.readContract({
        address: addresses.epochManager,
        abi: epochManagerAbi,
        functionName: "getWorker",
        args: [operator],
      });
      return w.registered;
    },
    async attestations() {
      const logs = await chain.publicClient.getLogs({
        address: addresses.epochManager,
        fromBlock: deployment.deploymentBlock,
        toBlock: "latest",
      });
      return parseEventLogs({ abi: epochManagerAbi, logs, eventName: "Attested" })
        .filter((l) => l.args.worker.toLowerCase() === operator.toLowerCase())
        .map((l) => ({ subjectId: l.args.subjectId, epoch: l.args.epoch, txHash: l.transactionHash }));
    },
    async attestTxs(fromBlock) {
      const head = await chain.publicClient.getBlockNumber();
      const out: AttestTx[] = [];
      for (let n = fromBlock; n <= head; n++) {
        const block = await chain.publicClient.getBlock({ blockNumber: n, includeTransactions: true });
        for (const tx of block.transactions) {
          if (tx.from.toLowerCase() !== operator.toLowerCase() || !tx.input.startsWith(ATTEST)) continue;
          const receipt = await chain.publicClient.getTransactionReceipt({ hash: tx.hash });
          out.push({
            hash: tx.hash,
            epoch: BigInt(`0x${tx.input.slice(10, 74)}`),
            subjectId: BigInt(`0x${tx.input.slice(138, 202)}`),
            success: receipt.status === "success",
            block: n,
          });
        }
      }
      return out;
    },
    async tasks(home = "node") {
      const r = await workerPool.query<TaskRow>(
        `select epoch::text, kind, subject_id, status, tx_hash from ${workerSchema(home)}.tasks order by id`,
      );
      return r.rows;
    },
    async stop() {
      for (const child of children) child.kill("SIGKILL");
      await workerPool.end().catch(() => {});
      await common.shutdown.kill("test done");
      await indexer?.stop().catch(() => {});
      await chain.stop();
    },
  };
}

/** GET a node route as JSON (bigints come back as strings). */
export async function getNodeJson<T = Record<string, unknown>>(
  worker: Pick<WorkerProcess, "httpUrl">,
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(worker.httpUrl + path, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as T };
}
