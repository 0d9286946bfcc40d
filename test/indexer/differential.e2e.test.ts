import pg from "pg";
import { type Abi, type AbiEvent, type Address, decodeAbiParameters, decodeEventLog, type Hex } from "viem";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../../contracts/generated/index.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { startDeployedChain, startTestIndexer, waitForBlock } from "./indexerFixture.ts";
import { driveLegalCalls, type LegalCallDriverReturnType } from "./legalCallDriver.ts";

/**
 * Differential test of the whole index: random *legal* call sequences (legalCallDriver.ts: any order the
 * contracts allow, epochs nobody started being closed, status flips, transfers, exits and re-registrations,
 * claims for others, odd strings) are indexed by a real `ponder start`; the indexer must stay up, and every
 * table must equal what the chain says — its logs (eth_getLogs, decoded here independently) and the
 * contracts' view functions.
 *
 * OLNODE_DIFF_SEED and OLNODE_DIFF_STEPS reproduce or widen a run; the seed is printed on failure.
 */
// A fixed default keeps CI reproducible; set OLNODE_DIFF_SEED to explore other histories.
const SEED = process.env.OLNODE_DIFF_SEED ?? "diff-2";
const STEPS = Number(process.env.OLNODE_DIFF_STEPS ?? 220);
const SCHEMA = "idx_diff";

let chain: TestChain;
let db: TestDatabase;
let deployment: Awaited<ReturnType<typeof startDeployedChain>>["deployment"];
let indexer: IndexerProcess;
let sql: pg.Client;
let driven: LegalCallDriverReturnType;

beforeAll(async () => {
  // Short epochs so that many start, end unstarted, close and get claimed within a few hundred blocks.
  ({ chain, deployment } = await startDeployedChain({ epochLength: 12n, heartbeatWindowBlocks: 4 }));
  db = await createTestDatabase("olnode_indexer_diff");
  indexer = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: SCHEMA,
    viewsSchema: null,
  });
  driven = await driveLegalCalls({ chain, addresses: deployment.addresses, seed: SEED, steps: STEPS });
  await chain.mine(1);
  await waitForBlock(indexer, await chain.publicClient.getBlockNumber(), 120_000);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`SET search_path TO "${SCHEMA}"`);
}, 600_000);

afterAll(async () => {
  await sql?.end();
  await indexer?.stop();
  await chain?.stop();
  await db?.drop();
});

type Decoded = {
  eventName: string;
  args: Record<string, unknown>;
  data: Hex;
  blockNumber: bigint;
  transactionHash: Hex;
  logIndex: number;
  address: Address;
};

/** Every protocol log from the deployment on, decoded with the contracts' ABIs (not the indexer's code). */
async function chainLogs(): Promise<Decoded[]> {
  const a = deployment.addresses;
  const byAddress = new Map<string, Abi>([
    [a.datanetRegistry.toLowerCase(), datanetRegistryAbi],
    [a.modelRegistry.toLowerCase(), modelRegistryAbi],
    [a.attributionLedger.toLowerCase(), attributionLedgerAbi],
    [a.epochManager.toLowerCase(), epochManagerAbi],
    [a.pointsDistributor.toLowerCase(), pointsDistributorAbi],
  ]);
  const logs = await chain.publicClient.getLogs({
    address: Object.values(a),
    fromBlock: deployment.deploymentBlock,
    toBlock: await chain.publicClient.getBlockNumber(),
  });
  return logs.map((l) => {
    const abi = byAddress.get(l.address.toLowerCase())!;
    const d = decodeEventLog({ abi, data: l.data, topics: l.topics }) as unknown as {
      eventName: string;
      args: Record<string, unknown>;
    };
    return {
      eventName: d.eventName,
      args: d.args,
      data: l.data,
      blockNumber: l.blockNumber,
      transactionHash: l.transactionHash,
      logIndex: l.logIndex,
      address: l.address,
    };
  });
}

/** The exact bytes of a log's string field: its data decoded again with `bytes` in place of `string`. */
function rawString(abi: Abi, log: Decoded, field: string): Hex {
  const event = abi.find((x): x is AbiEvent => x.type === "event" && x.name === log.eventName)!;
  const inputs = event.inputs.filter((i) => !i.indexed);
  const values = decodeAbiParameters(
    inputs.map((i) => ({ type: i.type === "string" ? "bytes" : i.type })),
    log.data,
  );
  return values[inputs.findIndex((i) => i.name === field)] as Hex;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

const display = (s: string) => s.replaceAll("\u0000", "\uFFFD");
const rows = async (query: string, params: unknown[] = []) => (await sql.query(query, params)).rows;
const view = <T>(address: Address, abi: Abi, functionName: string, args: unknown[] = []) =>
  chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>;

it("drives a wide mix of legal calls (the test is only as good as its traffic)", () => {
  const context = `seed ${SEED}: landed ${JSON.stringify(driven.landed)} refused ${JSON.stringify(driven.refused)}`;
  console.log(context);
  for (const what of [
    "createDatanet",
    "contribute",
    "overrideContribution",
    "recordInference",
    "attest",
    "attestPointsRoot",
  ])
    expect(driven.landed[what] ?? 0, `${what} never landed — ${context}`).toBeGreaterThan(0);
});

it("stays up and reaches the head", async () => {
  const head = await chain.publicClient.getBlockNumber();
  const ready = await fetch(`${indexer.url}/ready`);
  expect(ready.status, `seed ${SEED}`).toBe(200);
  await waitForBlock(indexer, head, 30_000);
});

it("Datanets equal the logs and getDatanet, strings exact", async () => {
  const logs = await chainLogs();
  const created = logs.filter((l) => l.eventName === "DatanetCreated");
  const got = await rows(`SELECT * FROM datanet ORDER BY id`);
  expect(got.length, `seed ${SEED}`).toBe(created.length);
  for (const log of created) {
    const id = log.args.datanetId as bigint;
    const row = got.find((r) => BigInt(r.id) === id)!;
    const onChain = await view<{
      owner: Address;
      name: string;
      metadataURI: string;
      format: string;
      maxBytesPerDay: bigint;
      maxContributionsPerDay: number;
    }>(deployment.addresses.datanetRegistry, datanetRegistryAbi, "getDatanet", [id]);
    const lastMeta = logs
      .filter((l) => l.eventName === "DatanetMetadataUpdated" && l.args.datanetId === id)
      .at(-1);
    expect(row.name_hex, `datanet ${id} name bytes (seed ${SEED})`).toBe(
      rawString(datanetRegistryAbi, log, "name"),
    );
    expect(row.format_hex).toBe(rawString(datanetRegistryAbi, log, "format"));
    expect(row.metadata_uri_hex).toBe(rawString(datanetRegistryAbi, lastMeta ?? log, "metadataURI"));
    expect(row.name).toBe(display(onChain.name));
    expect(row.metadata_uri).toBe(display(onChain.metadataURI));
    expect(row.owner).toBe(onChain.owner.toLowerCase());
    expect(BigInt(row.max_bytes_per_day)).toBe(onChain.maxBytesPerDay);
    expect(BigInt(row.max_contributions_per_day)).toBe(BigInt(onChain.maxContributionsPerDay));
  }
});

it("contributions: status and counts equal the registry; every status change is recorded", async () => {
  const logs = await chainLogs();
  const got = await rows(`SELECT * FROM contribution ORDER BY id`);
  const submitted = logs.filter((l) => l.eventName === "ContributionSubmitted");
  expect(got.length, `seed ${SEED}`).toBe(submitted.length);
  const names = ["none", "pending", "accepted", "rejected"];
  const perDatanet = new Map<
    string,
    { pending: number; accepted: number; rejected: number; acceptedBytes: bigint }
  >();
  for (const log of submitted) {
    const id = log.args.contributionId as bigint;
    const row = got.find((r) => BigInt(r.id) === id)!;
    const status =
      names[
        await view<number>(deployment.addresses.datanetRegistry, datanetRegistryAbi, "contributionStatus", [
          id,
        ])
      ];
    expect(row.status, `contribution ${id} (seed ${SEED})`).toBe(status);
    expect(row.license_hex).toBe(rawString(datanetRegistryAbi, log, "license"));
    expect(row.metadata_uri_hex).toBe(rawString(datanetRegistryAbi, log, "metadataURI"));
    const attested = logs.filter(
      (l) => l.eventName === "Attested" && l.args.kind === 0 && l.args.subjectId === id,
    );
    expect(row.attestation_count).toBe(attested.length);
    const changes = logs.filter(
      (l) =>
        (l.eventName === "ContributionSubmitted" || l.eventName === "ContributionFinalized") &&
        l.args.contributionId === id,
    );
    const history = await rows(
      `SELECT status FROM contribution_status_change WHERE contribution_id = $1 ORDER BY id`,
      [String(id)],
    );
    expect(history.length).toBe(changes.length);
    expect(history.at(-1)?.status).toBe(status);
    const d = String(log.args.datanetId);
    const agg = perDatanet.get(d) ?? { pending: 0, accepted: 0, rejected: 0, acceptedBytes: 0n };
    agg[status as "pending" | "accepted" | "rejected"]++;
    if (status === "accepted") agg.acceptedBytes += log.args.byteSize as bigint;
    perDatanet.set(d, agg);
  }
  for (const [d, agg] of perDatanet) {
    const [row] = await rows(`SELECT * FROM datanet WHERE id = $1`, [d]);
    expect(
      {
        pending: row.pending_count,
        accepted: row.accepted_count,
        rejected: row.rejected_count,
        acceptedBytes: BigInt(row.accepted_bytes),
      },
      `datanet ${d} (seed ${SEED})`,
    ).toEqual(agg);
  }
});

it("models, inferences and attributions equal the registry and the ledger", async () => {
  const logs = await chainLogs();
  const models = await rows(`SELECT * FROM model ORDER BY id`);
  expect(models.length).toBe(logs.filter((l) => l.eventName === "ModelRegistered").length);
  for (const m of models) {
    const dev = await view<Address>(deployment.addresses.modelRegistry, modelRegistryAbi, "modelDeveloper", [
      BigInt(m.id),
    ]);
    expect(m.developer, `model ${m.id} (seed ${SEED})`).toBe(dev.toLowerCase());
    const registered = logs.find(
      (l) => l.eventName === "ModelRegistered" && l.args.modelId === BigInt(m.id),
    )!;
    const lastMeta = logs
      .filter((l) => l.eventName === "ModelMetadataUpdated" && l.args.modelId === BigInt(m.id))
      .at(-1);
    expect(m.metadata_uri_hex).toBe(rawString(modelRegistryAbi, lastMeta ?? registered, "metadataURI"));
  }
  const inferences = await rows(`SELECT * FROM inference ORDER BY id`);
  const recorded = logs.filter((l) => l.eventName === "InferenceRecorded");
  expect(inferences.length).toBe(recorded.length);
  const statuses = ["none", "recorded", "verified", "disputed"];
  for (const log of recorded) {
    const id = log.args.inferenceId as bigint;
    const row = inferences.find((r) => BigInt(r.id) === id)!;
    const status =
      statuses[
        await view<number>(deployment.addresses.attributionLedger, attributionLedgerAbi, "inferenceStatus", [
          id,
        ])
      ];
    expect(row.status, `inference ${id} (seed ${SEED})`).toBe(status);
    // The corpus it names: a block the ledger accepted, strictly before the inference's own.
    expect(BigInt(row.corpus_block), `inference ${id} corpusBlock`).toBe(log.args.corpusBlock);
    expect(BigInt(row.corpus_block)).toBeLessThan(BigInt(row.recorded_block));
    expect(BigInt(row.recorded_block) - BigInt(row.corpus_block)).toBeLessThanOrEqual(256n);
    for (const f of [
      "fee",
      "platformFee",
      "developerAmount",
      "validatorAmount",
      "contributorAmount",
    ] as const)
      expect(BigInt(row[f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]), f).toBe(log.args[f]);
  }
  const attributions = await rows(
    `SELECT count(*)::int AS n, coalesce(sum(amount), 0)::text AS amount FROM attribution`,
  );
  const attributed = logs.filter((l) => l.eventName === "AttributionRecorded");
  expect(attributions[0].n).toBe(attributed.length);
  expect(BigInt(attributions[0].amount)).toBe(attributed.reduce((s, l) => s + (l.args.amount as bigint), 0n));
  // The aggregates the handlers keep (per entry for a contribution, per inference for a Datanet and a contributor)
  // equal the entries' sums from the logs, for every row.
  const sumBy = (key: (l: (typeof attributed)[number]) => string) => {
    const sums = new Map<string, { n: number; weight: bigint; amount: bigint }>();
    for (const l of attributed) {
      const s = sums.get(key(l)) ?? { n: 0, weight: 0n, amount: 0n };
      sums.set(key(l), {
        n: s.n + 1,
        weight: s.weight + (l.args.weight as bigint),
        amount: s.amount + (l.args.amount as bigint),
      });
    }
    return sums;
  };
  const none = { n: 0, weight: 0n, amount: 0n };
  const byContribution = sumBy((l) => String(l.args.contributionId));
  for (const c of await rows(`SELECT * FROM contribution`)) {
    const s = byContribution.get(String(c.id)) ?? none;
    expect(
      { n: c.attribution_count, weight: BigInt(c.attributed_weight), amount: BigInt(c.attributed_amount) },
      `contribution ${c.id} (seed ${SEED})`,
    ).toEqual(s);
  }
  const byDatanet = sumBy((l) => String(l.args.datanetId));
  for (const d of await rows(`SELECT id, attributed_amount FROM datanet`)) {
    expect(BigInt(d.attributed_amount), `datanet ${d.id} attributedAmount (seed ${SEED})`).toBe(
      (byDatanet.get(String(d.id)) ?? none).amount,
    );
  }
  const byContributor = sumBy((l) => (l.args.contributor as string).toLowerCase());
  for (const a of await rows(`SELECT address, contributor_earned FROM account`)) {
    expect(BigInt(a.contributor_earned), `account ${a.address} contributorEarned (seed ${SEED})`).toBe(
      (byContributor.get(a.address) ?? none).amount,
    );
  }
});

it("accounts: claimable equals the ledger's claimable(), claims are all recorded", async () => {
  const logs = await chainLogs();
  const touched = new Set<string>(driven.accounts.map((x) => x.toLowerCase()));
  touched.add(deployment.addresses.pointsDistributor.toLowerCase());
  for (const address of touched) {
    const onChain = await view<bigint>(
      deployment.addresses.attributionLedger,
      attributionLedgerAbi,
      "claimable",
      [address],
    );
    const [row] = await rows(`SELECT claimable FROM account WHERE address = $1`, [address]);
    expect(BigInt(row?.claimable ?? 0), `claimable of ${address} (seed ${SEED})`).toBe(onChain);
  }
  const [claims] = await rows(`SELECT count(*)::int AS n FROM reward_claim`);
  expect(claims.n).toBe(logs.filter((l) => l.eventName === "Claimed").length);
  const [airdrops] = await rows(`SELECT count(*)::int AS n FROM airdrop_claim`);
  expect(airdrops.n).toBe(logs.filter((l) => l.eventName === "PointsClaimed").length);
});

it("workers and points equal EpochManager's views", async () => {
  const logs = await chainLogs();
  const workers = await rows(`SELECT * FROM worker`);
  const registered = new Set(
    logs
      .filter((l) => l.eventName === "WorkerRegistered")
      .map((l) => (l.args.worker as string).toLowerCase()),
  );
  expect(new Set(workers.map((w) => w.address))).toEqual(registered);
  for (const w of workers) {
    const info = await view<{ stake: bigint; registered: boolean; peerId: string }>(
      deployment.addresses.epochManager,
      epochManagerAbi,
      "getWorker",
      [w.address],
    );
    expect(w.withdrawn, `worker ${w.address} (seed ${SEED})`).toBe(!info.registered);
    if (info.registered) {
      expect(BigInt(w.stake)).toBe(info.stake);
      expect(w.peer_id).toBe(display(info.peerId));
      const last = logs
        .filter(
          (l) =>
            (l.eventName === "WorkerRegistered" || l.eventName === "WorkerPeerIdUpdated") &&
            (l.args.worker as string).toLowerCase() === w.address,
        )
        .at(-1)!;
      expect(w.peer_id_hex).toBe(rawString(epochManagerAbi, last, "peerId"));
    }
    const deltas = logs
      .filter((l) => l.eventName === "PointsChanged" && (l.args.worker as string).toLowerCase() === w.address)
      .reduce((s, l) => s + (l.args.delta as bigint), 0n);
    expect(BigInt(w.total_points)).toBe(deltas);
  }
  for (const we of await rows(`SELECT * FROM worker_epoch`)) {
    const p = await view<{ points: bigint }>(deployment.addresses.epochManager, epochManagerAbi, "pointsOf", [
      BigInt(we.epoch),
      we.worker,
    ]);
    expect(BigInt(we.points), `points of ${we.worker} in epoch ${we.epoch} (seed ${SEED})`).toBe(
      BigInt(p.points),
    );
  }
});

it("epochs: every started or closed epoch, with the chain's seed, close state and points root", async () => {
  const logs = await chainLogs();
  const mentioned = new Set<bigint>();
  for (const l of logs)
    if (["EpochStarted", "EpochClosed", "Attested", "SubjectFinalized", "Heartbeat"].includes(l.eventName))
      mentioned.add(l.args.epoch as bigint);
  const got = await rows(`SELECT * FROM epoch ORDER BY id`);
  expect(new Set(got.map((r) => BigInt(r.id)))).toEqual(mentioned);
  const closedUnstarted = logs.filter(
    (l) =>
      l.eventName === "EpochClosed" &&
      !logs.some((s) => s.eventName === "EpochStarted" && s.args.epoch === l.args.epoch),
  );
  for (const row of got) {
    const id = BigInt(row.id);
    const info = await view<{
      seed: Hex;
      started: boolean;
      closed: boolean;
      pointsRoot: Hex;
      totalPoints: bigint;
    }>(deployment.addresses.epochManager, epochManagerAbi, "getEpoch", [id]);
    expect(row.started, `epoch ${id} (seed ${SEED}; ${closedUnstarted.length} closed unstarted)`).toBe(
      info.started,
    );
    expect(row.closed).toBe(info.closed);
    if (info.started) expect(row.seed).toBe(info.seed);
    else expect(row.seed).toBeNull();
    if (info.closed) {
      expect(row.points_root).toBe(info.pointsRoot);
      expect(BigInt(row.total_points)).toBe(info.totalPoints);
    }
    const count = (name: string) => logs.filter((l) => l.eventName === name && l.args.epoch === id).length;
    expect([row.attestation_count, row.finalized_count, row.heartbeat_count]).toEqual([
      count("Attested"),
      count("SubjectFinalized"),
      count("Heartbeat"),
    ]);
  }
});

const ADMIN_EVENT_NAMES = [
  "EpochManagerSet",
  "FeeScheduleUpdated",
  "OwnershipTransferStarted",
  "OwnershipTransferred",
  "TreasurySet",
  "ValidatorPoolSet",
  "ParamsUpdated",
  "RoleAdminChanged",
  "RoleGranted",
  "RoleRevoked",
  "Funded",
  "RewardRateUpdated",
];

it("every governance event is kept, and owners, roles and settings equal the contracts' views", async () => {
  const logs = await chainLogs();
  const a = deployment.addresses;
  for (const name of ADMIN_EVENT_NAMES) {
    const [row] = await rows(`SELECT count(*)::int AS n FROM admin_event WHERE name = $1`, [name]);
    expect(row.n, `${name} (seed ${SEED})`).toBe(logs.filter((l) => l.eventName === name).length);
  }
  for (const address of [a.attributionLedger, a.datanetRegistry, a.pointsDistributor]) {
    const [row] = await rows(`SELECT * FROM contract_owner WHERE address = $1`, [address.toLowerCase()]);
    const owner = await view<Address>(address, attributionLedgerAbi, "owner");
    const pending = await view<Address>(address, attributionLedgerAbi, "pendingOwner");
    expect(row?.owner, `owner of ${address} (seed ${SEED})`).toBe(owner.toLowerCase());
    expect(row?.pending_owner ?? null).toBe(BigInt(pending) === 0n ? null : pending.toLowerCase());
  }
  const roleLogs = logs.filter((l) => l.eventName === "RoleGranted" || l.eventName === "RoleRevoked");
  for (const l of roleLogs) {
    const role = l.args.role as Hex;
    const account = (l.args.account as string).toLowerCase();
    const [row] = await rows(`SELECT active FROM role_member WHERE role = $1 AND account = $2`, [
      role,
      account,
    ]);
    const has = await view<boolean>(a.epochManager, epochManagerAbi, "hasRole", [role, account]);
    expect(row?.active, `role ${role} of ${account} (seed ${SEED})`).toBe(has);
  }
  const [p] = await rows(`SELECT * FROM protocol`);
  expect(BigInt(p.wei_per_point)).toBe(
    await view<bigint>(a.pointsDistributor, pointsDistributorAbi, "weiPerPoint"),
  );
  const fees = await view<Record<string, bigint | number>>(
    a.attributionLedger,
    attributionLedgerAbi,
    "feeSchedule",
  );
  expect(p.fee_schedule).toEqual(Object.fromEntries(Object.entries(fees).map(([k, v]) => [k, String(v)])));
  const params = await view<Record<string, bigint | number>>(a.epochManager, epochManagerAbi, "params");
  expect(p.epoch_params).toEqual(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])));
  const funded = logs
    .filter((l) => l.eventName === "Funded")
    .reduce((sum, l) => sum + (l.args.amount as bigint), 0n);
  expect(BigInt(p.distributor_funded)).toBe(funded);
});

it("every event row names the transaction and log it came from", async () => {
  const logs = await chainLogs();
  const byKey = new Map(logs.map((l) => [`${l.transactionHash}:${l.logIndex}`, l]));
  const tables = {
    attribution: "AttributionRecorded",
    reward_claim: "Claimed",
    heartbeat: "Heartbeat",
    attestation: "Attested",
    subject_finalization: "SubjectFinalized",
    points_change: "PointsChanged",
    airdrop_claim: "PointsClaimed",
    contribution_status_change: null,
    reward_accrual: "InferenceRecorded",
    admin_event: null,
  } as const;
  for (const [table, eventName] of Object.entries(tables)) {
    const got = await rows(`SELECT block_number, timestamp, transaction_hash, log_index FROM ${table}`);
    for (const r of got) {
      const log = byKey.get(`${r.transaction_hash}:${r.log_index}`);
      expect(log, `${table} row at ${r.transaction_hash}:${r.log_index} (seed ${SEED})`).toBeDefined();
      expect(BigInt(r.block_number)).toBe(log!.blockNumber);
      if (eventName) expect(log!.eventName).toBe(eventName);
    }
    if (eventName && table !== "reward_accrual")
      expect(got.length, table).toBe(logs.filter((l) => l.eventName === eventName).length);
  }
});

it("REST lists a contributor's attributions and accruals in chain order, across pages", async () => {
  const logs = await chainLogs();
  const attributed = logs.filter((l) => l.eventName === "AttributionRecorded");
  const byContributor = groupBy(attributed, (l) => (l.args.contributor as string).toLowerCase());
  // The contributor with the most attributions: its pages cross inference ids of different lengths (9 → 10).
  const [address, mine] = [...byContributor].sort((x, y) => y[1].length - x[1].length)[0]!;
  const expected = mine.map((l) => `${l.args.inferenceId}-${l.args.contributionId}`);
  for (const order of ["asc", "desc"] as const) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=3&order=${order}${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await fetch(`${indexer.url}/api/v1/contributors/${address}/attributions?${query}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        items: { inferenceId: string; contributionId: string }[];
        nextCursor: string | null;
      };
      seen.push(...body.items.map((i) => `${i.inferenceId}-${i.contributionId}`));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen, `${order} (seed ${SEED})`).toEqual(order === "asc" ? expected : [...expected].reverse());
  }
  // recentAccruals: newest first. The developer of the most inferences has the most accruals.
  const recorded = logs.filter(
    (l) => l.eventName === "InferenceRecorded" && (l.args.developerAmount as bigint) > 0n,
  );
  const developers = groupBy(recorded, (l) => (l.args.developer as string).toLowerCase());
  const [developer, theirs] = [...developers].sort((x, y) => y[1].length - x[1].length)[0]!;
  const res = await fetch(`${indexer.url}/api/v1/contributors/${developer}/rewards?limit=5`);
  const body = (await res.json()) as { recentAccruals: { inferenceId: string; role: string }[] };
  const newest = theirs.map((l) => String(l.args.inferenceId)).reverse();
  expect(
    body.recentAccruals.filter((x) => x.role === "developer").map((x) => x.inferenceId),
    `seed ${SEED}`,
  ).toEqual(newest.slice(0, body.recentAccruals.filter((x) => x.role === "developer").length));
  expect(body.recentAccruals.length).toBeGreaterThan(0);
});
