import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, decodeFunctionData, type PublicClient, toFunctionSelector } from "viem";
import { createLogger } from "../../config/common/createLogger.ts";
import { isAssigned } from "../../contracts/assignment.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
} from "../../contracts/generated/index.ts";
import { startDevnet } from "../../node/devnet/startDevnet.ts";
import { type BenchFigure, type Benchmark, figure } from "./benchmark.ts";

const WORKERS = 5;
const EPOCHS = 10;
/** Short epochs (the devnet's are 30 blocks at 1 block/s) keep 10 of them within four minutes. */
const EPOCH_LENGTH = 20n;
const ATTEST = toFunctionSelector("attest(uint256,uint8,uint256,uint8,uint32,bytes32)");
const progress = (m: string) => console.error(`# worker.votes: ${m}`);

type SubjectKey = `${number}:${string}`;
const keyOf = (kind: number, id: bigint): SubjectKey => `${kind}:${id}`;

/**
 * What the chain says about votes, from its events and blocks alone (not from the workers' own rows): for each
 * epoch and worker, the subjects it was assigned (the contract's rule over the epoch's seed) that were open
 * at the epoch's first block — so it had the whole epoch — and which of them it attested in that epoch; and
 * every attest transaction that was mined reverted.
 */
async function measureVotes(parameters: {
  publicClient: PublicClient;
  addresses: { epochManager: Address; datanetRegistry: Address; attributionLedger: Address };
  workers: Address[];
  fromBlock: bigint;
  epochs: bigint[];
  genesis: bigint;
}) {
  const { publicClient, addresses, fromBlock } = parameters;
  const toBlock = await publicClient.getBlockNumber();
  const events = async <
    A extends typeof epochManagerAbi | typeof datanetRegistryAbi | typeof attributionLedgerAbi,
  >(
    address: Address,
    abi: A,
    eventName: string,
  ) =>
    (await publicClient.getContractEvents({
      address,
      abi,
      eventName,
      fromBlock,
      toBlock,
    } as never)) as unknown as {
      args: Record<string, unknown>;
      blockNumber: bigint;
    }[];
  const [started, attested, finalized, contributions, overrides, inferences, pointsChanged, closedEpochs] =
    await Promise.all([
      events(addresses.epochManager, epochManagerAbi, "EpochStarted"),
      events(addresses.epochManager, epochManagerAbi, "Attested"),
      events(addresses.epochManager, epochManagerAbi, "SubjectFinalized"),
      events(addresses.datanetRegistry, datanetRegistryAbi, "ContributionSubmitted"),
      events(addresses.datanetRegistry, datanetRegistryAbi, "ContributionFinalized"),
      events(addresses.attributionLedger, attributionLedgerAbi, "InferenceRecorded"),
      events(addresses.epochManager, epochManagerAbi, "PointsChanged"),
      events(addresses.epochManager, epochManagerAbi, "EpochClosed"),
    ]);
  // Each subject: when it appeared, when it was decided (quorum or owner), who may not judge it.
  const subjects = new Map<
    SubjectKey,
    { kind: 0 | 1; id: bigint; from: bigint; closed: bigint; party: string }
  >();
  for (const c of contributions)
    subjects.set(keyOf(0, c.args.contributionId as bigint), {
      kind: 0,
      id: c.args.contributionId as bigint,
      from: c.blockNumber,
      closed: 1n << 62n,
      party: (c.args.contributor as string).toLowerCase(),
    });
  for (const i of inferences)
    subjects.set(keyOf(1, i.args.inferenceId as bigint), {
      kind: 1,
      id: i.args.inferenceId as bigint,
      from: i.blockNumber,
      closed: 1n << 62n,
      party: (i.args.payer as string).toLowerCase(),
    });
  const close = (key: SubjectKey, block: bigint) => {
    const s = subjects.get(key);
    if (s && block < s.closed) s.closed = block;
  };
  for (const f of finalized) close(keyOf(Number(f.args.kind), f.args.subjectId as bigint), f.blockNumber);
  for (const o of overrides)
    if (o.args.byOwner) close(keyOf(0, o.args.contributionId as bigint), o.blockNumber);
  const votes = new Set(
    attested.map(
      (a) => `${a.args.epoch}:${a.args.kind}:${a.args.subjectId}:${(a.args.worker as string).toLowerCase()}`,
    ),
  );

  let assignments = 0;
  let attestedInEpoch = 0;
  let missedOpen = 0;
  let missedAfterQuorum = 0;
  let assignedLater = 0;
  const perWorker = new Map<string, { assigned: number; attested: number }>();
  for (const epoch of parameters.epochs) {
    const s = started.find((e) => e.args.epoch === epoch);
    if (!s) throw new Error(`epoch ${epoch} was never started`);
    const seed = s.args.seed as `0x${string}`;
    const threshold = s.args.threshold as bigint;
    const start = parameters.genesis + epoch * EPOCH_LENGTH;
    const end = start + EPOCH_LENGTH;
    for (const w of parameters.workers) {
      const worker = w.toLowerCase();
      const mine = perWorker.get(worker) ?? { assigned: 0, attested: 0 };
      for (const subject of subjects.values()) {
        if (subject.party === worker || subject.closed < start || subject.from >= end) continue;
        if (!isAssigned({ seed, kind: subject.kind, subjectId: subject.id, worker: w, threshold })) continue;
        // Appeared during the epoch: counted apart (it may come too late in the epoch to be checked).
        if (subject.from >= start) {
          assignedLater++;
          continue;
        }
        assignments++;
        mine.assigned++;
        if (votes.has(`${epoch}:${subject.kind}:${subject.id}:${worker}`)) {
          attestedInEpoch++;
          mine.attested++;
        } else if (subject.closed < end) missedAfterQuorum++;
        else missedOpen++;
      }
      perWorker.set(worker, mine);
    }
  }

  // Every mined attest transaction to EpochManager, and which reverted.
  let attestTxs = 0;
  let cancelled = 0;
  const workerSet = new Set(parameters.workers.map((w) => w.toLowerCase()));
  let reverted = 0;
  let revertedGas = 0n;
  let revertedWrongEpoch = 0;
  // WrongEpoch reverts by how many blocks after their epoch's end they were mined.
  const lateByBlocks: Record<number, number> = {};
  for (let b = fromBlock; b <= toBlock; b++) {
    const block = await publicClient.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      // A worker's 0-value transfer to itself: an attestation cancelled at its nonce (too late to land).
      if (tx.to?.toLowerCase() === tx.from.toLowerCase() && workerSet.has(tx.from.toLowerCase())) cancelled++;
      if (tx.to?.toLowerCase() !== addresses.epochManager.toLowerCase() || !tx.input.startsWith(ATTEST))
        continue;
      attestTxs++;
      const receipt = await publicClient.getTransactionReceipt({ hash: tx.hash });
      if (receipt.status !== "success") {
        reverted++;
        revertedGas += receipt.gasUsed;
        // A vote for another epoch than the block's is a WrongEpoch revert: it landed too late.
        const { args } = decodeFunctionData({ abi: epochManagerAbi, data: tx.input });
        const voteEpoch = args[0] as bigint;
        const blockEpoch = (b - parameters.genesis) / EPOCH_LENGTH;
        if (voteEpoch !== blockEpoch) {
          revertedWrongEpoch++;
          const lag = Number(b - (parameters.genesis + (voteEpoch + 1n) * EPOCH_LENGTH) + 1n);
          lateByBlocks[lag] = (lateByBlocks[lag] ?? 0) + 1;
        }
      }
    }
  }
  // Points roots: each measured epoch in which someone earned points, closed by the workers' votes, and how many
  // blocks after its end the deciding vote landed.
  const withPoints = new Set(pointsChanged.map((p) => p.args.epoch as bigint));
  const closeLag: number[] = [];
  let epochsWithPoints = 0;
  for (const epoch of parameters.epochs.slice(0, -1)) {
    if (!withPoints.has(epoch)) continue;
    epochsWithPoints++;
    const closed = closedEpochs.find((c) => c.args.epoch === epoch);
    if (closed)
      closeLag.push(Number(closed.blockNumber - (parameters.genesis + (epoch + 1n) * EPOCH_LENGTH) + 1n));
  }
  closeLag.sort((a, b) => a - b);
  return {
    epochsWithPoints,
    epochsClosed: closeLag.length,
    closeLagBlocksMedian: closeLag[Math.floor(closeLag.length / 2)],
    closeLagBlocksMax: closeLag.at(-1),
    assignments,
    attestedInEpoch,
    missedOpen,
    missedAfterQuorum,
    assignedLater,
    perWorker: Object.fromEntries(
      [...perWorker].map(([w, v]) => [
        w.slice(0, 10),
        v.assigned ? Math.round((1000 * v.attested) / v.assigned) / 10 : 100,
      ]),
    ),
    attestTxs,
    cancelled,
    reverted,
    revertedGas,
    revertedWrongEpoch,
    lateByBlocks,
  };
}

/** `worker.votes` (issue 18), listed in worker.bench.ts. */
export const workerVotesBenchmark: Benchmark = {
  name: "worker.votes",
  description: `${WORKERS} workers on a devnet for ${EPOCHS} epochs of ${EPOCH_LENGTH} blocks: assigned subjects attested within their epoch, and reverted attest transactions, beside the run's assignments`,
  async run(): Promise<BenchFigure[]> {
    // Not makeTempDir: that one is removed by the vitest hooks, and a benchmark runs outside vitest.
    const dir = mkdtempSync(join(tmpdir(), "olnode-bench-votes-"));
    try {
      return await measureDevnet(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function measureDevnet(dir: string): Promise<BenchFigure[]> {
  const devnet = await startDevnet({
    dir,
    nodes: WORKERS,
    traffic: true,
    deployParams: { epochLength: EPOCH_LENGTH },
    logger: createLogger({ level: "silent", format: "json" }),
    onProgress: progress,
  });
  try {
    const { publicClient, addresses } = devnet.chain;
    const em = { address: addresses.epochManager, abi: epochManagerAbi } as const;
    const genesis = await publicClient.readContract({ ...em, functionName: "genesisBlock" });
    const workers = devnet.nodes.map((n) => n.address as Address);
    const epochOf = async () => ((await publicClient.getBlockNumber()) - genesis) / EPOCH_LENGTH;
    // The first epoch in which all five are active (they register at start-up, active from the next).
    let first = 0n;
    for (;;) {
      const now = await epochOf();
      const active = await Promise.all(
        workers.map((w) => publicClient.readContract({ ...em, functionName: "isActive", args: [w, now] })),
      );
      if (active.every(Boolean)) {
        first = now + 1n;
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    progress(`all ${WORKERS} workers active; measuring epochs ${first}..${first + BigInt(EPOCHS) - 1n}`);
    while ((await epochOf()) < first + BigInt(EPOCHS)) await new Promise((r) => setTimeout(r, 2000));
    const load = loadavg().map((l) => Math.round(l * 100) / 100);
    const epochs = Array.from({ length: EPOCHS }, (_, i) => first + BigInt(i));
    const m = await measureVotes({
      publicClient,
      addresses,
      workers,
      fromBlock: genesis + first * EPOCH_LENGTH,
      epochs,
      genesis,
    });
    progress(JSON.stringify({ ...m, revertedGas: String(m.revertedGas) }));
    const extra = { load, traffic: devnet.traffic?.counts() };
    return [
      figure(
        "worker.votes.attested_in_epoch",
        m.attestedInEpoch,
        "attestations",
        m.assignments,
        "baseline: (worker, subject) assignments of the run whose subject was open at the epoch's first block; ratio = share attested within the epoch",
        {
          target: ">= 1 (100 %)",
          met: m.attestedInEpoch === m.assignments,
          perWorkerPercent: m.perWorker,
          missedStillOpen: m.missedOpen,
          missedAfterQuorum: m.missedAfterQuorum,
          assignedDuringEpoch: m.assignedLater,
          ...extra,
        },
      ),
      figure(
        "worker.votes.reverted",
        m.reverted,
        "transactions",
        m.attestTxs,
        "baseline: attest transactions mined in the run; value: of them reverted",
        {
          target: "0",
          met: m.reverted === 0,
          revertedGas: String(m.revertedGas),
          cancelledTooLate: m.cancelled,
          ...extra,
        },
      ),
      figure(
        "worker.votes.points_roots_closed",
        m.epochsClosed,
        "epochs",
        m.epochsWithPoints,
        "baseline: measured epochs (all but the last) in which someone earned points; value: of them closed by the workers' points-root votes",
        {
          target: ">= 1 (100 %)",
          met: m.epochsClosed === m.epochsWithPoints,
          closeLagBlocksMedian: m.closeLagBlocksMedian,
          closeLagBlocksMax: m.closeLagBlocksMax,
          load: extra.load,
        },
      ),
    ];
  } finally {
    await devnet.stop();
  }
}
