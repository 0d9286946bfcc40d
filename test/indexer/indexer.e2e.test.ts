import pg from "pg";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../../contracts/generated/index.ts";
import { verifyPointsProof } from "../../contracts/merkle/pointsTree.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import type { TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { generateProtocolActivity, type ProtocolActivityReturnType } from "../harness/protocolActivity.ts";
import { getJson, graphql, startDeployedChain, startTestIndexer, waitForBlock } from "./indexerFixture.ts";

/**
 * Real anvil (--network optimism), real Postgres, real `ponder start`: activity of every event kind is
 * generated first, the indexer backfills it, and then every event read back with eth_getLogs must be in the
 * index — through GraphQL and the REST API — with the aggregates the handlers maintain matching both the
 * logs and the contracts' own views.
 */
let chain: TestChain;
let db: TestDatabase;
let deployment: Awaited<ReturnType<typeof startDeployedChain>>["deployment"];
let activity: ProtocolActivityReturnType;
let indexer: IndexerProcess;

const lower = (a: string) => a.toLowerCase();
const str = (v: unknown) => (typeof v === "bigint" || typeof v === "number" ? v.toString() : v);

beforeAll(async () => {
  ({ chain, deployment } = await startDeployedChain());
  db = await createTestDatabase("olnode_indexer_e2e");
  activity = await generateProtocolActivity({ chain, addresses: deployment.addresses, seed: 42 });
  indexer = await startTestIndexer({
    chain,
    databaseUrl: db.url,
    deployment,
    schema: "idx_e2e",
    viewsSchema: "olnode",
  });
  // /ready means the backfill of finalized blocks is done; the last 30 (unfinalized) follow in realtime.
  await waitForBlock(indexer, activity.toBlock);
});

afterAll(async () => {
  await indexer?.stop();
  await chain?.stop();
  await db?.drop();
});

async function logs<const abi extends readonly unknown[]>(address: Address, abi: abi) {
  return chain.publicClient.getContractEvents({
    address,
    abi: abi as never,
    fromBlock: deployment.deploymentBlock,
    toBlock: activity.toBlock,
  }) as unknown as Promise<{ eventName: string; args: Record<string, unknown>; transactionHash: Hex }[]>;
}

function byName<T extends { eventName: string }>(events: T[], name: string) {
  return events.filter((e) => e.eventName === name);
}

describe("indexer against the chain", () => {
  it("generated activity covers every event kind", async () => {
    const names = new Set<string>();
    for (const [address, abi] of [
      [deployment.addresses.datanetRegistry, datanetRegistryAbi],
      [deployment.addresses.modelRegistry, modelRegistryAbi],
      [deployment.addresses.attributionLedger, attributionLedgerAbi],
      [deployment.addresses.epochManager, epochManagerAbi],
      [deployment.addresses.pointsDistributor, pointsDistributorAbi],
    ] as const) {
      for (const e of await logs(address, abi)) names.add(e.eventName);
    }
    for (const kind of [
      "DatanetCreated",
      "DatanetLimitsUpdated",
      "DatanetMetadataUpdated",
      "ContributionSubmitted",
      "ContributionFinalized",
      "ModelRegistered",
      "ModelMetadataUpdated",
      "InferenceRecorded",
      "AttributionRecorded",
      "InferenceOutcome",
      "Claimed",
      "WorkerRegistered",
      "WorkerPeerIdUpdated",
      "WorkerExitRequested",
      "EpochStarted",
      "Attested",
      "SubjectFinalized",
      "PointsChanged",
      "Heartbeat",
      "EpochClosed",
      "PointsClaimed",
    ]) {
      expect(names, kind).toContain(kind);
    }
  });

  it("Datanets and contributions match the logs, with status history and aggregates", async () => {
    const events = await logs(deployment.addresses.datanetRegistry, datanetRegistryAbi);
    const created = byName(events, "DatanetCreated");
    const submitted = byName(events, "ContributionSubmitted");
    const finalized = byName(events, "ContributionFinalized");
    const data = await graphql(
      indexer,
      `{ datanets(limit: 1000, orderBy: "id") { items { id owner name format metadataURI maxBytesPerDay acceptedBytes acceptedCount rejectedCount pendingCount contributionCount submittedBytes } }
         contributions(limit: 1000, orderBy: "id") { items { id datanetId contributor dataRoot byteSize chunkCount license status } }
         contributionStatusChanges(limit: 1000) { items { contributionId status } } }`,
    );
    expect(data.datanets!.items.map((d) => [d.id, d.owner, d.name, d.format])).toEqual(
      created.map((e) => [str(e.args.datanetId), lower(e.args.owner as string), e.args.name, e.args.format]),
    );
    expect(
      data.contributions!.items.map((c) => [
        c.id,
        c.datanetId,
        c.contributor,
        c.dataRoot,
        c.byteSize,
        c.chunkCount,
        c.license,
      ]),
    ).toEqual(
      submitted.map((e) => [
        str(e.args.contributionId),
        str(e.args.datanetId),
        lower(e.args.contributor as string),
        e.args.dataRoot,
        str(e.args.byteSize),
        str(e.args.chunkCount),
        e.args.license,
      ]),
    );
    // One status change per submission and per finalization/override, event for event.
    expect(data.contributionStatusChanges!.items.length).toBe(submitted.length + finalized.length);

    // Final status and the accepted-bytes aggregate, from the logs and from the contract.
    const names = ["none", "pending", "accepted", "rejected"];
    const finalStatus = new Map<string, string>();
    for (const e of submitted) finalStatus.set(str(e.args.contributionId) as string, "pending");
    for (const e of finalized)
      finalStatus.set(str(e.args.contributionId) as string, names[Number(e.args.status)]!);
    for (const c of data.contributions!.items) {
      expect(c.status).toBe(finalStatus.get(c.id as string));
      const onChain = await chain.publicClient.readContract({
        address: deployment.addresses.datanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "contributionStatus",
        args: [BigInt(c.id as string)],
      });
      expect(names[onChain]).toBe(c.status);
    }
    for (const d of data.datanets!.items) {
      const mine = submitted.filter((e) => str(e.args.datanetId) === d.id);
      const bytes = (status: string) =>
        mine
          .filter((e) => finalStatus.get(str(e.args.contributionId) as string) === status)
          .reduce((sum, e) => sum + (e.args.byteSize as bigint), 0n);
      expect(d.acceptedBytes).toBe(bytes("accepted").toString());
      expect(d.submittedBytes).toBe(mine.reduce((s, e) => s + (e.args.byteSize as bigint), 0n).toString());
      expect(d.contributionCount).toBe(mine.length);
      const count = (s: string) =>
        mine.filter((e) => finalStatus.get(str(e.args.contributionId) as string) === s).length;
      expect([d.acceptedCount, d.rejectedCount, d.pendingCount]).toEqual([
        count("accepted"),
        count("rejected"),
        count("pending"),
      ]);
      const onChain = await chain.publicClient.readContract({
        address: deployment.addresses.datanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "getDatanet",
        args: [BigInt(d.id as string)],
      });
      expect([d.metadataURI, d.maxBytesPerDay]).toEqual([
        onChain.metadataURI,
        onChain.maxBytesPerDay.toString(),
      ]);
    }
  });

  it("contribution detail has its chunks' root, status history and validation attestations", async () => {
    const dr = await logs(deployment.addresses.datanetRegistry, datanetRegistryAbi);
    const em = await logs(deployment.addresses.epochManager, epochManagerAbi);
    for (const s of byName(dr, "ContributionSubmitted")) {
      const id = str(s.args.contributionId) as string;
      const { status, body } = await getJson(indexer, `/api/v1/contributions/${id}`);
      expect(status).toBe(200);
      expect(body.dataRoot).toBe(s.args.dataRoot);
      expect(body.chunkCount).toBe(str(s.args.chunkCount));
      const history = body.statusHistory as { status: string }[];
      const changes = byName(dr, "ContributionFinalized").filter((e) => str(e.args.contributionId) === id);
      expect(history.map((h) => h.status)).toEqual([
        "pending",
        ...changes.map((e) => ["none", "pending", "accepted", "rejected"][Number(e.args.status)]),
      ]);
      const attests = byName(em, "Attested").filter(
        (e) => Number(e.args.kind) === 0 && str(e.args.subjectId) === id,
      );
      expect(
        (body.attestations as { worker: string; verdict: number; resultHash: string }[]).map((a) => [
          a.worker,
          a.verdict,
          a.resultHash,
        ]),
      ).toEqual(
        attests.map((e) => [lower(e.args.worker as string), Number(e.args.verdict), e.args.resultHash]),
      );
      expect(body.attestationCount).toBe(attests.length);
    }
  });

  it("inferences, attributions and earnings match the logs and the ledger's balances", async () => {
    const events = await logs(deployment.addresses.attributionLedger, attributionLedgerAbi);
    const recorded = byName(events, "InferenceRecorded");
    const attributions = byName(events, "AttributionRecorded");
    expect(recorded.length).toBeGreaterThan(0);
    for (const r of recorded) {
      const id = str(r.args.inferenceId) as string;
      const { status, body } = await getJson(indexer, `/api/v1/inferences/${id}`);
      expect(status).toBe(200);
      for (const k of [
        "fee",
        "platformFee",
        "developerAmount",
        "validatorAmount",
        "contributorAmount",
        "tokensIn",
        "tokensOut",
      ]) {
        expect(body[k], k).toBe(str(r.args[k]));
      }
      const mine = attributions.filter((a) => str(a.args.inferenceId) === id);
      expect(
        (body.attributions as { contributionId: string; weight: string; amount: string }[]).map((a) => [
          a.contributionId,
          a.weight,
          a.amount,
        ]),
      ).toEqual(mine.map((a) => [str(a.args.contributionId), str(a.args.weight), str(a.args.amount)]));
      const outcome = byName(events, "InferenceOutcome").find((o) => str(o.args.inferenceId) === id);
      expect(body.status).toBe(outcome ? (outcome.args.honest ? "verified" : "disputed") : "recorded");
    }
    // Attribution share per contribution: what it earned, summed by the handlers.
    const { contributions } = await graphql(
      indexer,
      `{ contributions(limit: 1000) { items { id attributedAmount attributionCount attributedWeight } } }`,
    );
    for (const c of contributions!.items) {
      const mine = attributions.filter((a) => str(a.args.contributionId) === c.id);
      expect(c.attributedAmount).toBe(mine.reduce((s, a) => s + (a.args.amount as bigint), 0n).toString());
      expect(c.attributionCount).toBe(mine.length);
    }
    // Earnings per account equal what the ledger says is claimable, for everyone it ever credited or paid.
    const { accounts } = await graphql(
      indexer,
      `{ accounts(limit: 1000) { items { address claimable claimed totalEarned contributorEarned } } }`,
    );
    expect(accounts!.items.length).toBeGreaterThan(3);
    for (const a of accounts!.items) {
      const claimable = await chain.publicClient.readContract({
        address: deployment.addresses.attributionLedger,
        abi: attributionLedgerAbi,
        functionName: "claimable",
        args: [a.address as Address],
      });
      expect(a.claimable, a.address as string).toBe(claimable.toString());
      const claims = byName(events, "Claimed").filter((c) => lower(c.args.account as string) === a.address);
      expect(a.claimed).toBe(claims.reduce((s, c) => s + (c.args.amount as bigint), 0n).toString());
    }
    const contributor = attributions[0]!.args.contributor as string;
    const profile = await getJson(indexer, `/api/v1/contributors/${contributor}`);
    expect(profile.status).toBe(200);
    expect(profile.body.contributorEarned).toBe(
      attributions
        .filter((a) => a.args.contributor === contributor)
        .reduce((s, a) => s + (a.args.amount as bigint), 0n)
        .toString(),
    );
  });

  it("workers, attestations, finalizations, heartbeats and points match the logs and the EpochManager", async () => {
    const events = await logs(deployment.addresses.epochManager, epochManagerAbi);
    // Two queries: together they would read more rows than the API's cost budget allows in one.
    const data = {
      ...(await graphql(
        indexer,
        `{ attestations(limit: 1000) { items { id } } subjectFinalizations(limit: 1000) { items { id kind subjectId verdict applied } }
           heartbeats(limit: 1000) { items { worker credited } } pointsChanges(limit: 1000) { items { id } } }`,
      )),
      ...(await graphql(
        indexer,
        `{ epochs(limit: 1000, orderBy: "id") { items { id seed closed pointsRoot totalPoints } }
           workerEpochs(limit: 1000) { items { epoch worker points agreements dissents heartbeats } }
           workers(limit: 100) { items { address peerId lastActiveEpoch totalPoints } } }`,
      )),
    };
    expect(data.attestations!.items.length).toBe(byName(events, "Attested").length);
    expect(data.subjectFinalizations!.items.length).toBe(byName(events, "SubjectFinalized").length);
    expect(data.heartbeats!.items.map((h) => h.credited)).toEqual(
      byName(events, "Heartbeat").map((h) => h.args.credited),
    );
    expect(data.pointsChanges!.items.length).toBe(byName(events, "PointsChanged").length);
    expect(data.epochs!.items.map((e) => [e.id, e.seed])).toEqual(
      byName(events, "EpochStarted").map((e) => [str(e.args.epoch), e.args.seed]),
    );
    for (const e of byName(events, "EpochClosed")) {
      const row = data.epochs!.items.find((x) => x.id === str(e.args.epoch))!;
      expect([row.closed, row.pointsRoot, row.totalPoints]).toEqual([
        true,
        e.args.pointsRoot,
        str(e.args.totalPoints),
      ]);
    }
    for (const we of data.workerEpochs!.items) {
      const onChain = await chain.publicClient.readContract({
        address: deployment.addresses.epochManager,
        abi: epochManagerAbi,
        functionName: "pointsOf",
        args: [BigInt(we.epoch as string), we.worker as Address],
      });
      expect([we.points, we.agreements, we.dissents, we.heartbeats]).toEqual([
        onChain.points.toString(),
        onChain.agreements,
        onChain.dissents,
        onChain.heartbeats,
      ]);
    }
    for (const w of data.workers!.items) {
      const onChain = await chain.publicClient.readContract({
        address: deployment.addresses.epochManager,
        abi: epochManagerAbi,
        functionName: "getWorker",
        args: [w.address as Address],
      });
      expect(w.peerId).toBe(onChain.peerId);
      const profile = await getJson(indexer, `/api/v1/workers/${w.address}`);
      expect(profile.status).toBe(200);
      expect(profile.body.totalPoints).toBe(w.totalPoints);
    }
    expect(data.workers!.items.some((w) => w.lastActiveEpoch !== null)).toBe(true);
  });

  it("records the OP deposit transaction with sourceHash, mint and isSystemTx", async () => {
    const [hash] = activity.depositTransactions;
    const raw = (await chain.publicClient.request({
      method: "eth_getTransactionByHash",
      params: [hash!],
    })) as unknown as { sourceHash: Hex; mint: Hex; from: string };
    const { depositTransactions } = await graphql(
      indexer,
      `{ depositTransactions(limit: 10) { items { hash from to sourceHash mint isSystemTx firstEvent } } }`,
    );
    expect(depositTransactions!.items).toEqual([
      {
        hash,
        from: lower(raw.from),
        to: lower(deployment.addresses.epochManager),
        sourceHash: raw.sourceHash,
        mint: BigInt(raw.mint).toString(),
        isSystemTx: false,
        firstEvent: "EpochManager:WorkerPeerIdUpdated",
      },
    ]);
  });

  it("serves the epoch leaderboard and points proofs that verify against the posted root", async () => {
    expect(activity.closedEpochs.length).toBeGreaterThan(0);
    for (const e of activity.closedEpochs) {
      const root = await chain.publicClient.readContract({
        address: deployment.addresses.epochManager,
        abi: epochManagerAbi,
        functionName: "pointsRootOf",
        args: [e],
      });
      // Walk the leaderboard one row per page: cursors must visit every worker once, highest points first.
      const rows: { worker: string; points: string }[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof getJson>> = await getJson(
          indexer,
          `/api/v1/epochs/${e}/leaderboard?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        rows.push(...(page.body.items as typeof rows));
        cursor = page.body.nextCursor as string | null;
      } while (cursor);
      expect(rows.length).toBe(activity.workers.length);
      const points = rows.map((r) => BigInt(r.points));
      expect([...points].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(points);
      for (const r of rows.filter((x) => BigInt(x.points) > 0n)) {
        const { status, body } = await getJson(indexer, `/api/v1/epochs/${e}/proofs/${r.worker}`);
        expect(status).toBe(200);
        expect(body.rootMatches).toBe(true);
        expect(body.pointsRoot).toBe(root);
        expect(
          verifyPointsProof({
            root,
            entry: { epoch: e, account: r.worker as Address, points: BigInt(r.points) },
            proof: body.proof as Hex[],
          }),
        ).toBe(true);
      }
    }
    const claims = await logs(deployment.addresses.pointsDistributor, pointsDistributorAbi);
    const { airdropClaims } = await graphql(
      indexer,
      `{ airdropClaims(limit: 100) { items { epoch account points amount } } }`,
    );
    expect(airdropClaims!.items.map((c) => [c.epoch, c.account, c.points, c.amount])).toEqual(
      byName(claims, "PointsClaimed").map((c) => [
        str(c.args.epoch),
        lower(c.args.account as string),
        str(c.args.points),
        str(c.args.amount),
      ]),
    );
  });

  it("pages a Datanet's contributions with cursors, both directions", async () => {
    const all = (
      await graphql(
        indexer,
        `{ contributions(where: { datanetId: "1" }, limit: 1000, orderBy: "id") { items { id } } }`,
      )
    ).contributions!.items.map((c) => c.id);
    for (const order of ["asc", "desc"] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof getJson>> = await getJson(
          indexer,
          `/api/v1/datanets/1/contributions?limit=2&order=${order}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        seen.push(...(page.body.items as { id: string }[]).map((c) => c.id));
        cursor = page.body.nextCursor as string | null;
      } while (cursor);
      expect(seen).toEqual(order === "asc" ? all : [...all].reverse());
    }
  });

  it("answers GraphQL relations, enforces its depth limit and serves SQL over HTTP and the views schema", async () => {
    const nested = await graphql<{
      inference: { attributions: { items: { contribution: { dataRoot: string } }[] } };
    }>(indexer, `{ inference(id: "1") { attributions { items { contribution { dataRoot } } } } }`);
    expect(nested.inference.attributions.items.length).toBeGreaterThan(0);
    let deep = "id";
    for (let i = 0; i < 6; i++) deep = `contributions { items { datanet { ${deep} } } }`;
    await expect(graphql(indexer, `{ datanet(id: "1") { ${deep} } }`)).rejects.toThrow(/depth/i);

    const res = await fetch(
      `${indexer.url}/sql/db?sql=${encodeURIComponent(JSON.stringify({ json: { sql: 'select count(*) as n from "datanet"', params: [] } }))}`,
    );
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain(String(activity.counts.datanetCreated));

    // Readers use the stable views schema, not the deployment's schema.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query("select count(*)::int as n from olnode.contribution");
      expect(rows[0].n).toBe(activity.counts.contributionSubmitted);
    } finally {
      await client.end();
    }
  });
});

describe("REST input validation", () => {
  const address = "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc";
  const cases: [string, number, string][] = [
    ["/api/v1/datanets/abc", 400, "INVALID_ID"],
    ["/api/v1/datanets/-1", 400, "INVALID_ID"],
    ["/api/v1/datanets/999999", 404, "NOT_FOUND"],
    ["/api/v1/datanets/1?foo=1", 400, "INVALID_QUERY"],
    ["/api/v1/datanets/1/contributions?limit=1000000", 400, "INVALID_LIMIT"],
    ["/api/v1/datanets/1/contributions?limit=0", 400, "INVALID_LIMIT"],
    ["/api/v1/datanets/1/contributions?page=-1", 400, "INVALID_QUERY"],
    ["/api/v1/datanets/1/contributions?cursor=%21%21", 400, "INVALID_CURSOR"],
    ["/api/v1/datanets/1/contributions?cursor=WyJ4Il0", 400, "INVALID_CURSOR"],
    ["/api/v1/datanets/1/contributions?status=lost", 400, "INVALID_QUERY"],
    ["/api/v1/datanets/999999/contributions", 404, "NOT_FOUND"],
    ["/api/v1/contributions/1.5", 400, "INVALID_ID"],
    ["/api/v1/contributions/999999", 404, "NOT_FOUND"],
    ["/api/v1/contributors/0x123", 400, "INVALID_ADDRESS"],
    ["/api/v1/contributors/0x0000000000000000000000000000000000000001", 404, "NOT_FOUND"],
    ["/api/v1/contributors/not-an-address/contributions", 400, "INVALID_ADDRESS"],
    [`/api/v1/contributors/${address}/contributions?limit=-5`, 400, "INVALID_LIMIT"],
    ["/api/v1/contributors/0xZZ/attributions", 400, "INVALID_ADDRESS"],
    [`/api/v1/contributors/${address}/attributions?cursor=`, 400, "INVALID_CURSOR"],
    ["/api/v1/contributors/0x12/rewards", 400, "INVALID_ADDRESS"],
    ["/api/v1/inferences/x", 400, "INVALID_ID"],
    ["/api/v1/inferences/999999", 404, "NOT_FOUND"],
    ["/api/v1/models/-3", 400, "INVALID_ID"],
    ["/api/v1/models/999999", 404, "NOT_FOUND"],
    ["/api/v1/models/1/inferences?limit=101", 400, "INVALID_LIMIT"],
    ["/api/v1/models/999999/inferences", 404, "NOT_FOUND"],
    ["/api/v1/workers/0x1", 400, "INVALID_ADDRESS"],
    ["/api/v1/workers/0x0000000000000000000000000000000000000001", 404, "NOT_FOUND"],
    [`/api/v1/workers/${address}/attestations?order=up`, 400, "INVALID_QUERY"],
    [`/api/v1/workers/${address}/heartbeats?limit=1e3`, 400, "INVALID_LIMIT"],
    ["/api/v1/epochs/-1", 400, "INVALID_ID"],
    ["/api/v1/epochs/999999", 404, "NOT_FOUND"],
    ["/api/v1/epochs/1/leaderboard?cursor=WyIxIl0", 400, "INVALID_CURSOR"],
    ["/api/v1/epochs/1/leaderboard?order=desc", 400, "INVALID_QUERY"],
    ["/api/v1/epochs/1/proofs/0xnope", 400, "INVALID_ADDRESS"],
    ["/api/v1/epochs/999999/proofs/0x0000000000000000000000000000000000000001", 404, "NOT_FOUND"],
    ["/api/v1/epochs/1/proofs/0x0000000000000000000000000000000000000001", 404, "NO_POINTS"],
    ["/api/v1/nothing-here", 404, "NOT_FOUND"],
  ];
  it.each(cases)("%s → %i %s", async (path, status, code) => {
    const res = await getJson(indexer, path);
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
    expect(res.body.error?.message.length).toBeGreaterThan(10);
  });

  it("answers a proof request for an epoch without a points root with 409", async () => {
    const { body: epochs } = await getJson(indexer, "/api/v1/stats");
    expect(epochs).toBeTruthy();
    const { epochs: list } = await graphql(
      indexer,
      `{ epochs(where: { closed: false }, limit: 1) { items { id } } }`,
    );
    const open = list!.items[0];
    if (!open) throw new Error("expected an open epoch");
    const res = await getJson(indexer, `/api/v1/epochs/${open.id}/proofs/${address}`);
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe("EPOCH_NOT_CLOSED");
  });
});
