import { loadavg } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, keccak256, stringToHex } from "viem";
import { createDatabase } from "../../config/services/createDatabase.ts";
import { launchPostgres, type PostgresProcess } from "../../config/services/launchPostgres.ts";
import { contribute, contributeCall } from "../../contracts/actions/contribute.ts";
import { createDatanet } from "../../contracts/actions/createDatanet.ts";
import { setDailyLimits } from "../../contracts/actions/setDailyLimits.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { datanetRegistryAbi } from "../../contracts/generated/index.ts";
import { type IndexerProcess, startIndexer } from "../../indexer/startIndexer.ts";
import { startTestChain, type TestChain } from "../harness/anvil.ts";
import { createRandom, generateBulkActivity, mineBlocks } from "../harness/protocolActivity.ts";
import { chainForkView, forkDifference, indexedForkView } from "../indexer/forkView.ts";
import { cleanEnv, indexerOverrides } from "../indexer/indexerFixture.ts";
import { type Benchmark, figure, percentile } from "./benchmark.ts";

const BASELINE_ROOT = join(import.meta.dirname, "..", "indexer", ".baselineApp");
const EVENTS = Number(process.env.OLNODE_BENCH_INDEXER_EVENTS ?? 100_000);
const BLOCKS = Number(process.env.OLNODE_BENCH_INDEXER_BLOCKS ?? 200);
const REORGS = Number(process.env.OLNODE_BENCH_REORGS ?? 20);

type Setup = {
  chain: TestChain;
  deployment: Awaited<ReturnType<typeof deployContracts>>;
  server: PostgresProcess;
};

async function setup(): Promise<Setup> {
  // Base fee 0: tens of full blocks would otherwise price out the pre-signed transactions.
  const chain = await startTestChain({ args: ["--base-fee", "0"] });
  const deployment = await deployContracts({
    walletClient: chain.walletClient(),
    publicClient: chain.publicClient,
    params: { epochLength: 200n },
  });
  const server = await launchPostgres({ ephemeral: true });
  return { chain, deployment, server };
}

/**
 * Runs one Ponder app over the chain's data and returns how long its backfill took: from Ponder's
 * "Started backfill indexing" log line to /ready (every block finalized at start is indexed). Process start
 * (build, migrations) is reported separately, since on this shared 2-core machine it is mostly noise.
 */
async function timeBackfill(s: Setup, root: string | undefined, database: string) {
  const { url } = await createDatabase({ serverUrl: s.server.url, name: database });
  let backfillStart = 0;
  // Ponder fetches and caches the RPC data (logs, blocks, transactions) while it indexes; how long the fetch
  // alone took says whether the handlers or the sync bound the backfill.
  let fetchMs = Number.NaN;
  // After the fetch: the handlers' backlog (until "Completed backfill indexing"), then the schema's indexes,
  // which Ponder builds only once the backfill is done ("Created database indexes").
  let indexingDoneAt = 0;
  let createIndexesMs = Number.NaN;
  const t0 = performance.now();
  const indexer = await startIndexer({
    env: cleanEnv(),
    overrides: indexerOverrides(s.chain, url, s.deployment, 1000),
    ...(root ? { root } : {}),
    viewsSchema: null,
    readyTimeoutMs: 900_000,
    onLog: (line) => {
      if (!backfillStart && line.includes("Started backfill indexing")) backfillStart = performance.now();
      if (line.includes("Finished fetching backfill JSON-RPC data")) {
        const d = /"duration":([\d.]+)/.exec(line);
        if (d) fetchMs = Number(d[1]);
      }
      if (line.includes("Completed backfill indexing")) indexingDoneAt = performance.now();
      if (line.includes("Created database indexes")) {
        const d = /"duration":([\d.]+)/.exec(line);
        if (d) createIndexesMs = Number(d[1]);
      }
      if (/"level":(50|60)/.test(line)) console.error(line.slice(0, 1000));
    },
  });
  const ready = performance.now();
  await indexer.stop();
  const start = backfillStart || t0;
  return {
    backfillMs: ready - start,
    totalMs: ready - t0,
    fetchMs,
    indexingMs: indexingDoneAt ? indexingDoneAt - start : Number.NaN,
    createIndexesMs,
  };
}

const benchmarks: Benchmark[] = [
  {
    name: "indexer.backfill",
    description: `events/s backfilling ~${EVENTS} mixed protocol events, against a minimal Ponder app (one insert per event) on the same chain`,
    async run() {
      const s = await setup();
      try {
        const activity = await generateBulkActivity({
          chain: s.chain,
          addresses: s.deployment.addresses,
          seed: "bench",
          targetEvents: EVENTS,
        });
        // Past Ponder's 30-block finality, so /ready means every event is indexed.
        await mineBlocks(s.chain.rpcUrl, 31);
        const baseline = await timeBackfill(s, BASELINE_ROOT, "bench_baseline");
        const ours = await timeBackfill(s, undefined, "bench_indexer");
        const rate = (ms: number) => activity.events / (ms / 1000);
        const note = `${activity.events} events in ${activity.toBlock - activity.fromBlock + 1n} blocks; backfill time from Ponder's "Started backfill indexing" to /ready; baseline: minimal Ponder app, one insert per event, same chain, same Postgres`;
        const value = rate(ours.backfillMs);
        const base = rate(baseline.backfillMs);
        return [
          figure("indexer.backfill", value, "events/s", base, note, {
            target: ">= 1.0x baseline",
            met: value >= base,
            events: activity.events,
            backfillMs: Math.round(ours.backfillMs),
            baselineBackfillMs: Math.round(baseline.backfillMs),
            processStartToReadyMs: Math.round(ours.totalMs),
            baselineProcessStartToReadyMs: Math.round(baseline.totalMs),
            rpcFetchMs: Math.round(ours.fetchMs),
            baselineRpcFetchMs: Math.round(baseline.fetchMs),
            // Where the time after the fetch goes: the handlers' backlog, then Ponder building the indexes.
            indexingMs: Math.round(ours.indexingMs),
            baselineIndexingMs: Math.round(baseline.indexingMs),
            createIndexesMs: Math.round(ours.createIndexesMs),
            baselineCreateIndexesMs: Math.round(baseline.createIndexesMs),
            // The events/s Ponder's RPC fetch alone allows: an upper bound for any app on this chain and machine.
            fetchBoundEventsPerSecond: Math.round(activity.events / (baseline.fetchMs / 1000)),
            loadAverage: loadavg()[0],
          }),
        ];
      } finally {
        await s.chain.stop();
        await s.server.stop();
      }
    },
  },
  {
    name: "indexer.head_latency",
    description: `block mined -> visible through the REST API, over ${BLOCKS} blocks with protocol events, against the minimal Ponder app's /status`,
    async run() {
      const s = await setup();
      const indexers: IndexerProcess[] = [];
      try {
        const owner = s.chain.accounts[1]!;
        const wallet = s.chain.walletClient(owner);
        const registry = s.deployment.addresses.datanetRegistry;
        const send = async (functionName: string, args: readonly unknown[]) => {
          const hash = await wallet.writeContract({
            address: registry,
            abi: datanetRegistryAbi,
            functionName,
            args,
            chain: undefined,
            account: owner,
          } as never);
          return s.chain.publicClient.waitForTransactionReceipt({ hash });
        };
        await send("createDatanet", ["latency", "ipfs://latency", "text", 65_536]);
        await send("setDailyLimits", [1n, 1n << 50n, 4_000_000_000]);
        for (const [root, name] of [
          [undefined, "latency_indexer"],
          [BASELINE_ROOT, "latency_baseline"],
        ] as const) {
          indexers.push(
            await startIndexer({
              env: cleanEnv(),
              overrides: indexerOverrides(
                s.chain,
                (await createDatabase({ serverUrl: s.server.url, name })).url,
                s.deployment,
                1000,
              ),
              ...(root ? { root } : {}),
              viewsSchema: null,
            }),
          );
        }
        const [ours, baseline] = indexers as [IndexerProcess, IndexerProcess];
        const ourLatency: number[] = [];
        const baseLatency: number[] = [];
        const visible = async (check: () => Promise<boolean>) => {
          const t = performance.now();
          for (;;) {
            if (await check()) return performance.now() - t;
            await new Promise((r) => setTimeout(r, 10));
          }
        };
        for (let i = 1; i <= BLOCKS; i++) {
          // One contribution per block (anvil automine): the block is mined when the receipt returns.
          const receipt = await send("contribute", [
            1n,
            keccak256(stringToHex(`latency:${i}`)),
            1000n,
            1,
            "MIT",
            "",
          ]);
          const block = receipt.blockNumber;
          const [a, b] = await Promise.all([
            visible(async () => (await fetch(`${ours.url}/api/v1/contributions/${i}`)).status === 200),
            visible(async () => {
              const status = (await (await fetch(`${baseline.url}/status`)).json()) as {
                openledger?: { block: { number: number } };
              };
              return BigInt(status.openledger?.block.number ?? 0) >= block;
            }),
          ]);
          ourLatency.push(a);
          baseLatency.push(b);
        }
        const note = `${BLOCKS} blocks, one contribution each, Ponder polling every 1000 ms (chain.pollingIntervalMs default); value: until GET /api/v1/contributions/:id is 200; baseline: until the minimal app's /status shows the block`;
        const p95 = percentile(ourLatency, 95) / 1000;
        return [
          figure(
            "indexer.head_latency.p50",
            percentile(ourLatency, 50) / 1000,
            "s",
            percentile(baseLatency, 50) / 1000,
            note,
          ),
          figure("indexer.head_latency.p95", p95, "s", percentile(baseLatency, 95) / 1000, note, {
            target: "<= 1.5 s",
            met: p95 <= 1.5,
          }),
        ];
      } finally {
        for (const i of indexers) await i.stop();
        await s.chain.stop();
        await s.server.stop();
      }
    },
  },
  {
    name: "indexer.reorg_converge",
    description: `seconds from anvil_reorg (depth 1-29, half while the indexer catches up a 30-block burst) until GraphQL and /api/v1/status equal the new chain, over ${REORGS} reorgs, against the same wait after a new block without a reorg`,
    async run() {
      const s = await setup();
      let indexer: IndexerProcess | undefined;
      try {
        const registry = s.deployment.addresses.datanetRegistry;
        const as = (i: number) => ({
          publicClient: s.chain.publicClient,
          walletClient: s.chain.walletClient(s.chain.accounts[i]!),
        });
        await createDatanet(as(1), {
          address: registry,
          name: "reorgs",
          metadataURI: "ipfs://reorgs",
          format: "text",
          maxChunkBytes: 65_536,
        });
        await setDailyLimits(as(1), {
          address: registry,
          datanetId: 1n,
          maxBytesPerDay: 1n << 50n,
          maxContributionsPerDay: 4_000_000_000,
        });
        const contribution = (tag: string) => ({
          address: registry,
          datanetId: 1n,
          dataRoot: keccak256(stringToHex(tag)),
          byteSize: 1000n,
          chunkCount: 1,
          license: "MIT",
          metadataURI: tag,
        });
        const contributor = s.chain.accounts[2]!;
        const send = (tag: string) => contribute(as(2), contribution(tag));
        const signed = (tag: string, nonce: number): Promise<Hex> =>
          contributor.signTransaction({
            chainId: s.chain.chainId,
            type: "eip1559",
            nonce,
            to: registry,
            gas: 300_000n,
            maxFeePerGas: 10_000_000_000n,
            maxPriorityFeePerGas: 1_000_000n,
            data: contributeCall(contribution(tag)).data,
          });
        await send("first");
        let replacedBlockRequests = 0;
        indexer = await startIndexer({
          env: cleanEnv(),
          overrides: indexerOverrides(
            s.chain,
            (await createDatabase({ serverUrl: s.server.url, name: "reorg_converge" })).url,
            s.deployment,
            1000,
          ),
          viewsSchema: null,
          onLog: (line) => {
            if (line.includes("no longer knows this block")) replacedBlockRequests++;
            if (/"level":(50|60)/.test(line)) console.error(line.slice(0, 1000));
          },
        });
        const running = indexer;
        /** Seconds from t0 until the index equals the chain (polled every 50 ms; 120 s at most). */
        const converged = async (t0: number) => {
          let last = "";
          while (performance.now() - t0 < 120_000) {
            try {
              const canonical = await chainForkView(s.chain, registry, s.deployment.deploymentBlock);
              const difference = forkDifference(await indexedForkView(running), canonical);
              if (difference === undefined) return (performance.now() - t0) / 1000;
              last = difference;
            } catch (error) {
              last = String(error); // a read that met Ponder's lock while it reverted rows
            }
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error(`the index did not equal the chain within 120 s: ${last}`);
        };
        await send("second");
        // A reorg of depth 29 must never reach below the deployment and the Datanet (round 0 reverted them).
        await s.chain.mine(30);
        await converged(performance.now());

        const random = createRandom("reorg-converge");
        const atHead: number[] = [];
        const catchingUp: number[] = [];
        const plainBlock: number[] = [];
        const burstNoReorg: number[] = [];
        const depths: number[] = [];
        for (let i = 0; i < REORGS; i++) {
          const whileCatchingUp = i % 2 === 1;
          // Baseline, same run: a new block (one contribution) with no reorg, or the same burst with no reorg.
          if (whileCatchingUp) {
            const t0 = performance.now();
            await s.chain.mine(30);
            await send(`burst-${i}`);
            burstNoReorg.push(await converged(t0));
          } else {
            const t0 = performance.now();
            await send(`plain-${i}`);
            plainBlock.push(await converged(t0));
          }
          // The reorg drops the contribution in the top block and puts another with the same nonce in its place.
          if (whileCatchingUp) await s.chain.mine(30);
          const nonce = await s.chain.publicClient.getTransactionCount({ address: contributor.address });
          await send(`dropped-${i}`);
          // Somewhere inside the indexer's fetch of the burst (Ponder polls every 1 s, then ~20 requests/s).
          if (whileCatchingUp) await new Promise((r) => setTimeout(r, random.int(0, 2000)));
          const depth = random.int(1, 29);
          depths.push(depth);
          const t0 = performance.now();
          await s.chain.reorg(depth, [[await signed(`replacement-${i}`, nonce), 0]]);
          (whileCatchingUp ? catchingUp : atHead).push(await converged(t0));
        }
        const all = [...atHead, ...catchingUp];
        const baseline = [...plainBlock];
        const p = (xs: number[], q: number) => percentile(xs, q);
        const note = `${all.length} anvil_reorg of depth ${Math.min(...depths)}-${Math.max(...depths)} (half right after a 30-block burst, while the indexer fetches it), each replacing the dropped contribution; value: from the anvil_reorg call until GraphQL contributions, contributionCount() and /api/v1/status's block number and hash equal the chain (polled every 50 ms); baseline: the same wait after one new block without a reorg; Ponder polling every 1000 ms`;
        const p99 = p(all, 99);
        const extra = {
          atHeadP50: p(atHead, 50),
          atHeadP99: p(atHead, 99),
          catchingUpP50: p(catchingUp, 50),
          catchingUpP99: p(catchingUp, 99),
          burstWithoutReorgP50: p(burstNoReorg, 50),
          burstWithoutReorgP99: p(burstNoReorg, 99),
          replacedBlockRequests,
          samples: all.map((x) => Math.round(x * 1000) / 1000),
          loadAverage: loadavg()[0],
        };
        return [
          figure("indexer.reorg_converge.p50", p(all, 50), "s", p(baseline, 50), note, extra),
          figure("indexer.reorg_converge.p99", p99, "s", p(baseline, 99), note, {
            target: "<= 10 s",
            met: p99 <= 10,
            ...extra,
          }),
        ];
      } finally {
        await indexer?.stop();
        await s.chain.stop();
        await s.server.stop();
      }
    },
  },
];

export default benchmarks;
export type { Address };
