import { type Address, type Hash, type Hex, keccak256, numberToHex, stringToHex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import { attestCall } from "../../contracts/actions/attest.ts";
import { attestPointsRootCall } from "../../contracts/actions/attestPointsRoot.ts";
import { claimPointsCall } from "../../contracts/actions/claimPoints.ts";
import { claimRewardsCall } from "../../contracts/actions/claimRewards.ts";
import { contributeCall } from "../../contracts/actions/contribute.ts";
import { createDatanetCall } from "../../contracts/actions/createDatanet.ts";
import { heartbeatCall } from "../../contracts/actions/heartbeat.ts";
import { overrideContributionCall } from "../../contracts/actions/overrideContribution.ts";
import { type ProtocolCall, sendProtocolCall } from "../../contracts/actions/protocolCall.ts";
import { recordInferenceCall } from "../../contracts/actions/recordInference.ts";
import { registerModelCall } from "../../contracts/actions/registerModel.ts";
import { registerWorkerCall } from "../../contracts/actions/registerWorker.ts";
import { requestExitCall } from "../../contracts/actions/requestExit.ts";
import { setDailyLimitsCall } from "../../contracts/actions/setDailyLimits.ts";
import { setDatanetMetadataURICall } from "../../contracts/actions/setDatanetMetadataURI.ts";
import { setModelMetadataURICall } from "../../contracts/actions/setModelMetadataURI.ts";
import { updatePeerIdCall } from "../../contracts/actions/updatePeerId.ts";
import type { DeployedAddresses } from "../../contracts/deploy/deployContracts.ts";
import { SUBJECT_KIND, type SubjectKind } from "../../contracts/enums/subjectKind.ts";
import { VERDICT, type Verdict } from "../../contracts/enums/verdict.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
} from "../../contracts/generated/index.ts";
import { buildEpochPointsTree, pointsLeafSet } from "../../contracts/merkle/pointsTree.ts";
import type { TestChain } from "./anvil.ts";
import { type BulkTransaction, createBulkSender } from "./sendBulkTransactions.ts";

/**
 * Drives the deployed protocol contracts to produce activity of every event kind: Datanets (created, limits,
 * metadata), contributions (submitted, finalized by quorum, overridden by the owner), workers (registered,
 * peer id updated through an OP deposit transaction, exit), attestations with agreement and dissent, subject
 * finalizations, models, inferences with attribution, inference outcomes, heartbeats, epoch closes with a
 * points root, airdrop claims and reward claims.
 *
 * Deterministic given `seed` and a fresh chain: every choice comes from a seeded PRNG and every transaction
 * waits for its receipt (anvil automine: one transaction per block). Reused by the indexer tests, the
 * benchmarks and the devnet's traffic generator.
 */
export type ProtocolActivityParameters = {
  chain: Pick<TestChain, "publicClient" | "testClient" | "walletClient" | "accounts" | "rpcUrl" | "mine">;
  addresses: DeployedAddresses;
  seed: number | string;
  datanets?: number;
  contributionsPerDatanet?: number;
  models?: number;
  inferences?: number;
  /** Send one worker call as an OP Stack deposit transaction (type 0x7E). Default true. */
  deposit?: boolean;
};

export type ProtocolActivityReturnType = {
  fromBlock: bigint;
  toBlock: bigint;
  /** Transactions sent, by what they did. */
  counts: Record<string, number>;
  workers: Address[];
  closedEpochs: bigint[];
  depositTransactions: Hash[];
};

/** A seeded PRNG (mulberry32) with helpers to pick test actions reproducibly; string seeds are hashed. */
export function createRandom(seed: number | string) {
  const next = mulberry32(
    typeof seed === "number" ? seed : Number.parseInt(keccak256(stringToHex(seed)).slice(2, 10), 16),
  );
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

/** Splits 1,000,000 ppm into `n` positive integer weights. */
export function randomWeights(random: ReturnType<typeof createRandom>, n: number): bigint[] {
  const raw = Array.from({ length: n }, () => random.int(1, 1000));
  const sum = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((r) => BigInt(Math.max(1, Math.floor((r * 1_000_000) / sum))));
  const total = weights.reduce((a, b) => a + b, 0n);
  weights[0] = weights[0]! + (1_000_000n - total);
  return weights;
}

const { accept: ACCEPT, reject: REJECT } = VERDICT;

export async function generateProtocolActivity(
  parameters: ProtocolActivityParameters,
): Promise<ProtocolActivityReturnType> {
  const { chain, addresses } = parameters;
  const { publicClient } = chain;
  const random = createRandom(parameters.seed);
  const counts: Record<string, number> = {};
  const [admin, owner1, owner2, contributor1, contributor2, workerA, workerB, workerC, developer, payer] =
    chain.accounts as [PrivateKeyAccount, ...PrivateKeyAccount[]] as PrivateKeyAccount[];
  const workers = [workerA!, workerB!, workerC!];
  const fromBlock = (await publicClient.getBlockNumber()) + 1n;

  /** Sends one typed action's call from `from` and waits for it; counts it under `what`. */
  async function send(what: string, from: PrivateKeyAccount, call: ProtocolCall) {
    const receipt = await sendProtocolCall({ publicClient, walletClient: chain.walletClient(from) }, call);
    counts[what] = (counts[what] ?? 0) + 1;
    return receipt;
  }

  const em = addresses.epochManager;
  const [genesisBlock, epochLength, params] = await Promise.all([
    publicClient.readContract({ address: em, abi: epochManagerAbi, functionName: "genesisBlock" }),
    publicClient.readContract({ address: em, abi: epochManagerAbi, functionName: "epochLength" }),
    publicClient.readContract({ address: em, abi: epochManagerAbi, functionName: "params" }),
  ]);
  /** The epoch the next transaction's block falls in (automine: the next block). */
  const nextEpoch = async () => ((await publicClient.getBlockNumber()) + 1n - genesisBlock) / epochLength;
  /** Mines to the first block of the next epoch. */
  async function mineToNextEpoch() {
    const head = await publicClient.getBlockNumber();
    const next = ((head + 1n - genesisBlock) / epochLength + 1n) * epochLength + genesisBlock;
    await chain.mine(Number(next - head - 1n));
  }
  /** Ensures at least `blocks` blocks remain in the current epoch, so a vote pair lands in one epoch. */
  async function roomFor(blocks: number) {
    const head = await publicClient.getBlockNumber();
    const end = ((head + 1n - genesisBlock) / epochLength + 1n) * epochLength + genesisBlock;
    if (end - (head + 1n) < BigInt(blocks)) await mineToNextEpoch();
  }

  /** One heartbeat per worker, after mining into a window none of them has used yet. */
  async function heartbeatAll() {
    const window = BigInt(params.heartbeatWindowBlocks);
    let last = 0n;
    for (const w of workers) {
      const info = await publicClient.readContract({
        address: em,
        abi: epochManagerAbi,
        functionName: "getWorker",
        args: [w.address],
      });
      if (info.lastHeartbeatWindow > last) last = info.lastHeartbeatWindow;
    }
    // lastHeartbeatWindow is stored as window + 1; the last heartbeat of this round lands workers.length blocks on.
    const head = await publicClient.getBlockNumber();
    const firstFree = last * window;
    if (head + 1n < firstFree) await chain.mine(Number(firstFree - head - 1n));
    for (const w of workers) await send("heartbeat", w, heartbeatCall({ address: em }));
  }

  // Workers first: they are active from the epoch after registering.
  for (const [i, w] of workers.entries()) {
    await send(
      "workerRegistered",
      w,
      registerWorkerCall({
        address: em,
        peerId: `12D3KooWorker${i}${parameters.seed}`,
        stake: params.minStake,
      }),
    );
  }

  const datanetIds: bigint[] = [];
  const nDatanets = parameters.datanets ?? 2;
  for (let d = 0; d < nDatanets; d++) {
    const owner = d % 2 === 0 ? owner1! : owner2!;
    await send(
      "datanetCreated",
      owner,
      createDatanetCall({
        address: addresses.datanetRegistry,
        name: `datanet-${parameters.seed}-${d}`,
        metadataURI: `ipfs://datanet/${d}`,
        format: d % 2 === 0 ? "text" : "jsonl",
        maxChunkBytes: 65_536,
      }),
    );
    const id = BigInt(d + 1);
    datanetIds.push(id);
    await send(
      "datanetLimitsUpdated",
      owner,
      setDailyLimitsCall({
        address: addresses.datanetRegistry,
        datanetId: id,
        maxBytesPerDay: 1n << 40n,
        maxContributionsPerDay: 100_000,
      }),
    );
  }
  await send(
    "datanetMetadataUpdated",
    owner1!,
    setDatanetMetadataURICall({
      address: addresses.datanetRegistry,
      datanetId: 1n,
      metadataURI: "ipfs://datanet/1/v2",
    }),
  );

  type Contribution = { id: bigint; datanetId: bigint; owner: PrivateKeyAccount };
  const contributions: Contribution[] = [];
  const contributors = [owner1!, owner2!, contributor1!, contributor2!];
  let nextContributionId = 1n;
  for (const datanetId of datanetIds) {
    for (let i = 0; i < (parameters.contributionsPerDatanet ?? 6); i++) {
      const byteSize = random.int(1, 200_000);
      const minChunks = Math.ceil(byteSize / 65_536);
      const chunkCount = Math.min(byteSize, minChunks + random.int(0, 2));
      const dataRoot = keccak256(stringToHex(`root:${parameters.seed}:${datanetId}:${i}`));
      await send(
        "contributionSubmitted",
        random.pick(contributors),
        contributeCall({
          address: addresses.datanetRegistry,
          datanetId,
          dataRoot,
          byteSize: BigInt(byteSize),
          chunkCount,
          license: random.pick(["CC-BY-4.0", "MIT", "ODC-BY"]),
          metadataURI: `ipfs://contribution/${datanetId}/${i}`,
        }),
      );
      contributions.push({
        id: nextContributionId++,
        datanetId,
        owner: datanetId % 2n === 1n ? owner1! : owner2!,
      });
    }
  }

  await mineToNextEpoch();
  const epochsWithWork = new Set<bigint>();

  /** Two agreeing votes finalize (quorum 2 of 3); sometimes the third votes first, against: a dissent. */
  async function decide(kind: SubjectKind, subjectId: bigint, verdict: Verdict) {
    await roomFor(4);
    const e = await nextEpoch();
    epochsWithWork.add(e);
    const dissent = random.chance(0.3);
    const other = verdict === ACCEPT ? REJECT : ACCEPT;
    const score = () => random.int(0, 1_000_000);
    const hash = (w: number) => keccak256(stringToHex(`result:${kind}:${subjectId}:${w}`));
    if (dissent)
      await send(
        "attested",
        workerC!,
        attestCall({
          address: em,
          epoch: e,
          kind,
          subjectId,
          verdict: other,
          score: score(),
          resultHash: hash(2),
        }),
      );
    await send(
      "attested",
      workerA!,
      attestCall({ address: em, epoch: e, kind, subjectId, verdict, score: score(), resultHash: hash(0) }),
    );
    await send(
      "attested",
      workerB!,
      attestCall({ address: em, epoch: e, kind, subjectId, verdict, score: score(), resultHash: hash(1) }),
    );
    // A late vote after quorum is scored at once.
    if (!dissent && random.chance(0.5)) {
      await send(
        "attested",
        workerC!,
        attestCall({ address: em, epoch: e, kind, subjectId, verdict, score: score(), resultHash: hash(2) }),
      );
    }
  }

  const accepted: Contribution[] = [];
  for (const c of contributions) {
    const roll = random.next();
    if (roll < 0.65) {
      await decide(SUBJECT_KIND.contribution, c.id, ACCEPT);
      accepted.push(c);
    } else if (roll < 0.8) {
      await decide(SUBJECT_KIND.contribution, c.id, REJECT);
    } else if (roll < 0.9) {
      await send(
        "contributionOverridden",
        c.owner,
        overrideContributionCall({
          address: addresses.datanetRegistry,
          contributionId: c.id,
          status: "accepted",
        }),
      );
      accepted.push(c);
    } else {
      await send(
        "contributionOverridden",
        c.owner,
        overrideContributionCall({
          address: addresses.datanetRegistry,
          contributionId: c.id,
          status: "rejected",
        }),
      );
    }
  }

  // Heartbeats after agreeing with a quorum are credited.
  await heartbeatAll();

  const modelIds: bigint[] = [];
  for (let m = 0; m < (parameters.models ?? 2); m++) {
    const ids = m === 0 ? datanetIds : [random.pick(datanetIds)];
    await send(
      "modelRegistered",
      developer!,
      registerModelCall({
        address: addresses.modelRegistry,
        baseModelHash: keccak256(stringToHex(`base:${m}`)),
        adapterHash: m % 2 === 0 ? `0x${"00".repeat(32)}` : keccak256(stringToHex(`adapter:${m}`)),
        datanetIds: ids,
        metadataURI: `ipfs://model/${m}`,
      }),
    );
    modelIds.push(BigInt(m + 1));
  }
  await send(
    "modelMetadataUpdated",
    developer!,
    setModelMetadataURICall({
      address: addresses.modelRegistry,
      modelId: 1n,
      metadataURI: "ipfs://model/1/v2",
    }),
  );

  const inferenceIds: bigint[] = [];
  for (let i = 0; i < (parameters.inferences ?? 6) && accepted.length > 0; i++) {
    // Model 1 is trained on every Datanet, so any accepted contribution may be cited.
    const modelId = 1n;
    const n = random.int(1, Math.min(5, accepted.length));
    const cited = [...new Set(Array.from({ length: n }, () => random.pick(accepted).id))].sort((a, b) =>
      a < b ? -1 : 1,
    );
    const tokensIn = BigInt(random.int(10, 4000));
    const tokensOut = BigInt(random.int(10, 4000));
    const fee = await publicClient.readContract({
      address: addresses.attributionLedger,
      abi: attributionLedgerAbi,
      functionName: "quoteFee",
      args: [tokensIn, tokensOut],
    });
    await send(
      "inferenceRecorded",
      payer!,
      recordInferenceCall({
        address: addresses.attributionLedger,
        modelId,
        outputRoot: keccak256(stringToHex(`output:${parameters.seed}:${i}`)),
        corpusBlock: await publicClient.getBlockNumber(),
        tokensIn,
        tokensOut,
        contributionIds: cited,
        weights: randomWeights(random, cited.length),
        fee: fee,
      }),
    );
    inferenceIds.push(BigInt(i + 1));
  }
  for (const id of inferenceIds) {
    if (random.chance(0.7)) await decide(SUBJECT_KIND.inference, id, random.chance(0.8) ? ACCEPT : REJECT);
  }

  // An owner flips an accepted contribution after it was used: the Datanet's accepted bytes must follow.
  const flip = accepted[0];
  if (flip) {
    await send(
      "contributionOverridden",
      flip.owner,
      overrideContributionCall({
        address: addresses.datanetRegistry,
        contributionId: flip.id,
        status: "rejected",
      }),
    );
  }

  const depositTransactions: Hash[] = [];
  if (parameters.deposit ?? true)
    depositTransactions.push(await sendDeposit(parameters, workerC!, `12D3KooWdeposit${parameters.seed}`));
  counts.depositTransaction = depositTransactions.length;

  // Close every ended epoch in which someone earned points (its workers' votes), then claim its airdrop.
  await mineToNextEpoch();
  await heartbeatAll();
  await mineToNextEpoch();
  const closedEpochs: bigint[] = [];
  for (const e of [...epochsWithWork].sort((a, b) => (a < b ? -1 : 1))) {
    const balances = [];
    for (const w of workers) {
      const p = await publicClient.readContract({
        address: em,
        abi: epochManagerAbi,
        functionName: "pointsOf",
        args: [e, w.address],
      });
      balances.push({ account: w.address, points: BigInt(p.points) });
    }
    if (pointsLeafSet(e, balances).length === 0) continue;
    const tree = buildEpochPointsTree(e, balances);
    // Workers A and B vote the root they rebuilt (2 of 3: quorum, the epoch closes); worker C then votes one
    // that pays it extra: a competing candidate, and a vote after the close. Neither changes the root.
    for (const w of [workerA!, workerB!])
      await send(
        "pointsRootAttested",
        w,
        attestPointsRootCall({ address: em, epoch: e, pointsRoot: tree.root, totalPoints: tree.totalPoints }),
      );
    const wrong = buildEpochPointsTree(
      e,
      balances.map((b) => (b.account === workerC!.address ? { ...b, points: b.points + 7n } : b)),
    );
    await send(
      "pointsRootAttested",
      workerC!,
      attestPointsRootCall({ address: em, epoch: e, pointsRoot: wrong.root, totalPoints: wrong.totalPoints }),
    );
    closedEpochs.push(e);
    for (const entry of tree.entries) {
      if (entry.account === workerC!.address && random.chance(0.5)) continue; // someone leaves it unclaimed
      const claimer = workers.find((w) => w.address === entry.account)!;
      await send(
        "pointsClaimed",
        claimer,
        claimPointsCall({
          address: addresses.pointsDistributor,
          epoch: e,
          account: entry.account,
          points: entry.points,
          proof: tree.proof(entry.account),
        }),
      );
    }
  }

  // Pull rewards: some contributors, the developer and the treasury; others leave theirs accruing.
  for (const who of [owner1!, contributor1!, developer!, admin!]) {
    const claimable = await publicClient.readContract({
      address: addresses.attributionLedger,
      abi: attributionLedgerAbi,
      functionName: "claimable",
      args: [who.address],
    });
    if (claimable > 0n)
      await send("rewardClaimed", who, claimRewardsCall({ address: addresses.attributionLedger }));
  }
  await send("workerExitRequested", workerC!, requestExitCall({ address: em }));

  return {
    fromBlock,
    toBlock: await publicClient.getBlockNumber(),
    counts,
    workers: workers.map((w) => w.address),
    closedEpochs,
    depositTransactions,
  };
}

/**
 * Sends `EpochManager.updatePeerId` from `from` as an OP Stack deposit transaction (type 0x7E). anvil in
 * optimism mode accepts deposits through eth_sendTransaction with sourceHash, mint and isSystemTx; on a real
 * rollup they come from L1 through the OptimismPortal.
 */
export async function sendDeposit(
  parameters: Pick<ProtocolActivityParameters, "chain" | "addresses">,
  from: PrivateKeyAccount,
  peerId: string,
): Promise<Hash> {
  const { chain, addresses } = parameters;
  const sourceHash = keccak256(stringToHex(`deposit:${from.address}:${peerId}`));
  const res = await fetch(chain.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendTransaction",
      params: [
        {
          type: "0x7e",
          from: from.address,
          to: addresses.epochManager,
          value: "0x0",
          gas: numberToHex(200_000),
          mint: numberToHex(12_345),
          sourceHash,
          isSystemTx: false,
          input: updatePeerIdCall({ address: addresses.epochManager, peerId }).data,
        },
      ],
    }),
  });
  const body = (await res.json()) as { result?: Hash; error?: { message: string } };
  if (!body.result) throw new Error(`deposit transaction rejected: ${body.error?.message}`);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: body.result });
  if (receipt.status !== "success") throw new Error(`deposit transaction reverted: ${body.result}`);
  return body.result;
}

export type { Hex };

export type BulkActivityParameters = Omit<
  ProtocolActivityParameters,
  "datanets" | "contributionsPerDatanet" | "models" | "inferences" | "deposit"
> & {
  /** Roughly how many protocol events to produce (the result says exactly how many). */
  targetEvents: number;
  /** Attribution entries per inference (1..128): most events are AttributionRecorded. Default 128. */
  entriesPerInference?: number;
  onProgress?: (message: string) => void;
};

export type BulkActivityReturnType = {
  fromBlock: bigint;
  toBlock: bigint;
  transactions: number;
  /** Protocol events emitted (counted from the contracts' own counters and the known event fan-out). */
  events: number;
};

/**
 * Many protocol events fast, for benchmarks and backfill tests: automine off, transactions signed locally
 * with explicit nonces and gas, sent in JSON-RPC batches and mined as full blocks. The mix: contributions
 * (half finalized by a two-worker quorum — Attested, SubjectFinalized, ContributionFinalized, PointsChanged —
 * half by the owner's override), then inferences with up to 128 attribution entries each. Deterministic given
 * the seed on a fresh chain. Restores automine when done.
 */
export async function generateBulkActivity(
  parameters: BulkActivityParameters,
): Promise<BulkActivityReturnType> {
  const { chain, addresses } = parameters;
  const { publicClient } = chain;
  const random = createRandom(parameters.seed);
  const log = parameters.onProgress ?? (() => {});
  const [, owner1, owner2, contributor1, contributor2, workerA, workerB, , , payer] = chain.accounts;
  const em = addresses.epochManager;
  const fromBlock = (await publicClient.getBlockNumber()) + 1n;
  const bulk = createBulkSender(chain);
  let transactions = 0;
  let events = 0;
  async function run(txs: BulkTransaction[], label: string) {
    events += (await bulk.run(txs, label)).events;
    transactions += txs.length;
    log(`${label}: ${txs.length} transactions, ${events} events so far`);
  }
  const mine = (n: bigint) => mineBlocks(chain.rpcUrl, Number(n));

  await chain.testClient.setAutomine(false);
  try {
    const [genesisBlock, epochLength, params, datanetCount] = await Promise.all([
      publicClient.readContract({ address: em, abi: epochManagerAbi, functionName: "genesisBlock" }),
      publicClient.readContract({ address: em, abi: epochManagerAbi, functionName: "epochLength" }),
      publicClient.readContract({ address: em, abi: epochManagerAbi, functionName: "params" }),
      publicClient.readContract({
        address: addresses.datanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "datanetCount",
      }),
    ]);
    const firstContribution =
      (await publicClient.readContract({
        address: addresses.datanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "contributionCount",
      })) + 1n;
    const d1 = datanetCount + 1n;
    const d2 = datanetCount + 2n;
    const owners = new Map([
      [d1, owner1!],
      [d2, owner2!],
    ]);
    const workers = [workerA!, workerB!];

    // Setup: two Datanets without daily limits in practice, two workers (a third may exist already).
    const setup: BulkTransaction[] = [];
    const registry = addresses.datanetRegistry;
    for (const [id, owner] of owners) {
      setup.push({
        from: owner,
        gas: 400_000n,
        call: createDatanetCall({
          address: registry,
          name: `bulk-${id}`,
          metadataURI: "ipfs://bulk",
          format: "text",
          maxChunkBytes: 65_536,
        }),
      });
      setup.push({
        from: owner,
        gas: 100_000n,
        call: setDailyLimitsCall({
          address: registry,
          datanetId: id,
          maxBytesPerDay: 1n << 50n,
          maxContributionsPerDay: 4_000_000_000,
        }),
      });
    }
    for (const w of workers) {
      const info = await publicClient.readContract({
        address: em,
        abi: epochManagerAbi,
        functionName: "getWorker",
        args: [w.address],
      });
      if (!info.registered) {
        setup.push({
          from: w,
          gas: 300_000n,
          call: registerWorkerCall({
            address: em,
            peerId: `12D3KooWbulk${w.address.slice(2, 10)}`,
            stake: params.minStake,
          }),
        });
      }
    }
    await run(setup, "setup");

    // Contributions, in one or more full blocks.
    const events0 = Math.max(1, parameters.targetEvents);
    const entries = Math.min(128, Math.max(1, parameters.entriesPerInference ?? 128));
    // ~4.5 events per contribution (submit + half quorum (6) + half override (1)); the rest from inferences.
    const nContributions = Math.max(entries, Math.min(4000, Math.round((events0 * 0.09) / 4.5)));
    const contributors = [owner1!, owner2!, contributor1!, contributor2!];
    const submit: BulkTransaction[] = [];
    for (let i = 0; i < nContributions; i++) {
      const datanetId = i % 2 === 0 ? d1 : d2;
      const byteSize = BigInt(random.int(1, 60_000));
      submit.push({
        from: random.pick(contributors),
        gas: 300_000n,
        call: contributeCall({
          address: registry,
          datanetId,
          dataRoot: keccak256(stringToHex(`bulk:${parameters.seed}:${firstContribution + BigInt(i)}`)),
          byteSize,
          chunkCount: 1,
          license: "CC-BY-4.0",
          metadataURI: "",
        }),
      });
    }
    await run(submit, "contributions");
    // Ids follow the order anvil mined them in (senders interleave): read them back from the logs.
    const submitted = await publicClient.getContractEvents({
      address: addresses.datanetRegistry,
      abi: datanetRegistryAbi,
      eventName: "ContributionSubmitted",
      fromBlock,
    });
    const datanetById = new Map(submitted.map((e) => [e.args.contributionId!, e.args.datanetId!]));

    // Workers are active from the epoch after they registered: mine to a fresh epoch.
    const head = await publicClient.getBlockNumber();
    const nextEpochStart = ((head + 1n - genesisBlock) / epochLength + 1n) * epochLength + genesisBlock;
    if (nextEpochStart > head + 1n) await mine(nextEpochStart - head - 1n);

    // Half by quorum: both workers accept in one block, so both votes share an epoch.
    const ids = [...datanetById.keys()];
    for (let i = 0; i < ids.length; i += 150) {
      const slice = ids.slice(i, i + 150);
      const h = await publicClient.getBlockNumber();
      const epoch = (h + 1n - genesisBlock) / epochLength;
      if (((h + 1n - genesisBlock) % epochLength) + 1n >= epochLength) {
        await mine(1n);
        i -= 150;
        continue;
      }
      const txs: BulkTransaction[] = [];
      for (const [j, id] of slice.entries()) {
        if ((i + j) % 2 === 0) {
          for (const w of workers) {
            txs.push({
              from: w,
              gas: 400_000n,
              call: attestCall({
                address: em,
                epoch,
                kind: SUBJECT_KIND.contribution,
                subjectId: id,
                verdict: VERDICT.accept,
                score: 900_000,
                resultHash: keccak256(stringToHex(`bulk-result:${id}`)),
              }),
            });
          }
        } else {
          txs.push({
            from: owners.get(datanetById.get(id)!)!,
            gas: 150_000n,
            call: overrideContributionCall({ address: registry, contributionId: id, status: "accepted" }),
          });
        }
      }
      // One block per batch: a batch never straddles an epoch boundary (checked above).
      await run(txs, "finalizations");
    }

    // Models and inferences.
    const modelCount = await publicClient.readContract({
      address: addresses.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "modelCount",
    });
    const modelId = modelCount + 1n;
    await run(
      [
        {
          from: payer!,
          gas: 400_000n,
          call: registerModelCall({
            address: addresses.modelRegistry,
            baseModelHash: keccak256(stringToHex("bulk-base")),
            adapterHash: `0x${"00".repeat(32)}`,
            datanetIds: [d1, d2],
            metadataURI: "ipfs://bulk-model",
          }),
        },
      ],
      "model",
    );
    const tokens = { tokensIn: 1000n, tokensOut: 500n };
    const fee = await publicClient.readContract({
      address: addresses.attributionLedger,
      abi: attributionLedgerAbi,
      functionName: "quoteFee",
      args: [tokens.tokensIn, tokens.tokensOut],
    });
    // Each batch names the block before it as its corpus (the ledger takes at most 256 blocks back).
    const inference = (k: number, corpusBlock: bigint) => {
      const picked = new Set<bigint>();
      while (picked.size < entries) picked.add(random.pick(ids));
      const cited = [...picked].sort((a, b) => (a < b ? -1 : 1));
      return recordInferenceCall({
        address: addresses.attributionLedger,
        modelId,
        outputRoot: keccak256(stringToHex(`bulk-output:${parameters.seed}:${k}`)),
        corpusBlock,
        ...tokens,
        contributionIds: cited,
        weights: randomWeights(random, cited.length),
        fee,
      });
    };
    const sample = inference(-1, await publicClient.getBlockNumber());
    const estimate = await publicClient.estimateGas({
      account: payer!,
      to: sample.to,
      value: sample.value,
      data: sample.data,
    });
    const remaining = Math.max(0, events0 - events);
    const nInferences = Math.ceil(remaining / (entries + 1));
    for (let k = 0; k < nInferences; k += 200) {
      const txs: BulkTransaction[] = [];
      const corpusBlock = await publicClient.getBlockNumber();
      for (let j = k; j < Math.min(nInferences, k + 200); j++) {
        txs.push({ from: payer!, gas: (estimate * 13n) / 10n, call: inference(j, corpusBlock) });
      }
      await run(txs, "inferences");
    }
  } finally {
    await chain.testClient.setAutomine(true);
  }
  return { fromBlock, toBlock: await publicClient.getBlockNumber(), transactions, events };
}

/**
 * anvil_mine without a client timeout: after a bulk run anvil can take longer than viem's 10 s default to
 * answer on a loaded machine.
 */
export async function mineBlocks(rpcUrl: string, blocks: number): Promise<void> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_mine", params: [numberToHex(blocks)] }),
  });
  const body = (await res.json()) as { error?: { message: string } };
  if (body.error) throw new Error(`anvil_mine failed: ${body.error.message}`);
}
