import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Address, keccak256 } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../config/common/createLogger.ts";
import { DEVNET_KEYS } from "../../contracts/deploy/devnetKeys.ts";
import { decodeContributionStatus } from "../../contracts/enums/contributionStatus.ts";
import { decodeInferenceStatus } from "../../contracts/enums/inferenceStatus.ts";
import { VERDICT } from "../../contracts/enums/verdict.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
} from "../../contracts/generated/index.ts";
import { createTiktokenTokenizer } from "../../node/attribution/index.ts";
import { attributionIndexDir } from "../../node/daemon/startNodeWorker.ts";
import { buildAttributionClaim } from "../../node/devnet/buildAttributionClaim.ts";
import { type Devnet, startDevnet } from "../../node/devnet/startDevnet.ts";
import { createRandom, mutateWords, syntheticText } from "../../node/worker/validation/syntheticText.ts";
import { defaultValidationParams } from "../../node/worker/validation/validationParams.ts";
import { graphql } from "../harness/graphql.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { waitFor } from "../harness/waitFor.ts";
import { createScenarioContributor, type ScenarioContributor } from "./scenarioContributor.ts";
import { createEpochDriver, type ScenarioSubject } from "./scenarioDriver.ts";
import { type EpochManagerEvent, replayPoints, workerEpochKey } from "./scenarioPoints.ts";

/**
 * Issue #7's first test: five workers on a devnet (real anvil, Postgres, Ponder, libp2p, one process each
 * for the services, the nodes in this process), with no random traffic, decide one contribution of each kind
 * and two inferences; every subject must finalize with the right verdict, every vote on it must be that verdict
 * with a served report that hashes to the attested resultHash and names the expected reason, and every
 * worker's points per epoch must be what EpochManager's rules give for the attestations actually made.
 *
 * What the bad kinds mean against the real protocol:
 * - corrupted chunk: one chunk's bytes are flipped (its chunk hash matches the flipped bytes, so it no longer
 *   hashes to the committed leaf). A rogue contributor node gossips it and serves it from its store; gossip
 *   REJECTs it (BAD_PROOF) and sync verification drops it, so no worker ever holds it: for the validator the
 *   chunk is missing, and it rejects the contribution with MISSING_CHUNKS once the epoch passes the workers'
 *   availability deadline. (A DATA_ROOT_MISMATCH cannot happen on this path: every stored chunk is proven
 *   against the committed root.) The nodes' REJECT BAD_PROOF counters show the corrupted chunk did arrive.
 * - missing chunks: committed, but two of its chunks are never published nor served by anyone.
 * - oversized: the chain bounds a contribution only by the contributor's daily budget (10 MiB per Datanet);
 *   the validator caps one contribution at `defaultValidationParams.maxContributionBytes` (10,000,000 bytes).
 *   The oversized contribution lies between the two: the chain takes it, every chunk is valid and gossiped,
 *   and the workers reject it with CONTRIBUTION_TOO_LARGE.
 * - exact duplicate: an accepted contribution's text in upper case (new bytes, so a new dataRoot the registry
 *   takes; the same normalised content) → EXACT_DUPLICATE. Near-duplicate: 3% of its words replaced →
 *   NEAR_DUPLICATE. Disallowed licence: `LicenseRef-Proprietary` → LICENSE_NOT_ALLOWED.
 * - inferences: the claim is computed with the workers' own attribution engine over the accepted corpus
 *   (honest → verified), or the same claim with weight shifted between entries (dishonest → disputed).
 *
 * A last case guards the availability grace: a good contribution committed past the availability deadline, its
 * chunks published 4 s later, must be accepted (the workers used to reject it as missing chunks).
 *
 * Epochs are 30 blocks at 1 block/s; once the assigned workers have attested, the driver mines (anvil_mine) to
 * the availability deadline or the next epoch instead of waiting for them.
 */

const SMALL_CHUNK = 4096;
const BULK_CHUNK = 256 * 1024;
const progressLog = process.env.OLNODE_TEST_LOG ? (m: string) => console.log(`[fiveWorkers] ${m}`) : () => {};

type Expected = ScenarioSubject & { verdict: 1 | 2; finding?: string };

let devnet: Devnet | undefined;
const contributors: ScenarioContributor[] = [];

afterAll(async () => {
  // The devnet first: it owns the anvil and Postgres processes, which nothing else would stop if a contributor's
  // libp2p node hung on the way out and the hook timed out.
  await devnet?.stop();
  const bounded = (p: Promise<unknown>) =>
    Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000))]);
  await Promise.all(contributors.map((c) => bounded(c.stop())));
}, 120_000);

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Sum of one Prometheus counter series over the nodes' /metrics. */
async function counterSum(urls: string[], series: string): Promise<number> {
  let sum = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split("\n")) if (line.startsWith(series)) sum += Number(line.split(" ").pop());
  }
  return sum;
}

describe("five workers on a devnet", () => {
  it("finalize every subject with the right verdict, and points follow the rules", {
    timeout: 600_000,
  }, async () => {
    const t0 = Date.now();
    const devnetDirPath = makeTempDir("olnode-five-workers-");
    devnet = await startDevnet({
      dir: devnetDirPath,
      nodes: 5,
      traffic: false,
      logger: createLogger({
        level: (process.env.OLNODE_TEST_LOG || "silent") as "silent",
        format: "json",
      }),
      onProgress: progressLog,
    });
    progressLog(`devnet up in ${Date.now() - t0} ms`);
    const { publicClient, addresses, wallet } = devnet.chain;
    const em = { address: addresses.epochManager, abi: epochManagerAbi } as const;
    const workers = devnet.nodes.map((n) => n.address.toLowerCase() as Address);
    const owner = wallet(DEVNET_KEYS.owner);
    const [alice, bob, carol] = DEVNET_KEYS.contributors.map(wallet) as [
      ReturnType<typeof wallet>,
      ReturnType<typeof wallet>,
      ReturnType<typeof wallet>,
    ];
    const payer = wallet(DEVNET_KEYS.payer);
    const bootstrap = devnet.olNodes.map((n) => n.multiaddrs()[0]!);
    const honest = await createScenarioContributor({ publicClient, addresses, owner, bootstrap });
    contributors.push(honest);
    const rogue = await createScenarioContributor({ publicClient, addresses, owner, bootstrap });
    contributors.push(rogue);
    const driver = createEpochDriver({
      publicClient,
      epochManager: addresses.epochManager,
      workers,
      onProgress: progressLog,
    });

    const textNet = await honest.createDatanet("scenario-text", "text", SMALL_CHUNK);
    const bulkNet = await honest.createDatanet("scenario-bulk", "text", BULK_CHUNK);
    const modelId = await honest.registerModel("scenario-model", [textNet]);
    const enc = new TextEncoder();
    const expected: Expected[] = [];
    const contentOf = new Map<bigint, Uint8Array>();
    const contribute = async (
      label: string,
      c: ScenarioContributor,
      p: Omit<Parameters<ScenarioContributor["contribute"]>[0], "chunkBytes" | "license"> & {
        license?: string;
        chunkBytes?: number;
      },
      verdict: 1 | 2,
      finding?: string,
      unavailable?: boolean,
    ) => {
      const made = await c.contribute({ chunkBytes: SMALL_CHUNK, license: "CC-BY-4.0", ...p });
      contentOf.set(made.id, p.bytes);
      expected.push({ kind: 0, id: made.id, label, verdict, finding, unavailable });
      progressLog(`${label}: contribution ${made.id}, ${made.count} chunks`);
      return made;
    };

    // Phase 1: good contributions, and the bad ones that need no accepted corpus.
    const goodTexts = [1, 2, 3].map((i) => syntheticText(1000 + i, 500));
    for (const [i, text] of goodTexts.entries()) {
      await contribute(
        `good-${i + 1}`,
        honest,
        { wallet: [alice, bob, carol][i]!, datanetId: textNet, bytes: enc.encode(text) },
        VERDICT.accept,
      );
    }
    await contribute(
      "disallowed-licence",
      honest,
      {
        wallet: alice,
        datanetId: textNet,
        bytes: enc.encode(syntheticText(2001, 500)),
        license: "LicenseRef-Proprietary",
      },
      VERDICT.reject,
      "LICENSE_NOT_ALLOWED",
    );
    const missing = await contribute(
      "missing-chunks",
      honest,
      {
        wallet: bob,
        datanetId: textNet,
        bytes: enc.encode(syntheticText(2002, 2500)),
        release: { mode: "withhold", indices: [1, 3] },
      },
      VERDICT.reject,
      "MISSING_CHUNKS",
      true,
    );
    expect(missing.count).toBeGreaterThan(3);
    await contribute(
      "corrupted-chunk",
      rogue,
      {
        wallet: carol,
        datanetId: textNet,
        bytes: enc.encode(syntheticText(2003, 2500)),
        release: { mode: "corrupt", indices: [2] },
      },
      VERDICT.reject,
      "MISSING_CHUNKS",
      true,
    );
    const bulkLimits = await publicClient.readContract({
      address: addresses.datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "getDatanet",
      args: [bulkNet],
    });
    const oversizedBytes = Number(defaultValidationParams.maxContributionBytes) + 100_000;
    // Within what the chain admits, past what the validator allows.
    expect(BigInt(oversizedBytes)).toBeLessThanOrEqual(BigInt(bulkLimits.maxBytesPerDay));
    const paragraph = enc.encode(`${syntheticText(2004, 20_000)}\n`);
    const oversized = new Uint8Array(oversizedBytes);
    for (let o = 0; o < oversized.length; o += paragraph.length)
      oversized.set(paragraph.subarray(0, oversized.length - o), o);
    await contribute(
      "oversized",
      honest,
      { wallet: carol, datanetId: bulkNet, bytes: oversized, chunkBytes: BULK_CHUNK },
      VERDICT.reject,
      "CONTRIBUTION_TOO_LARGE",
    );
    progressLog(`phase 1 submitted at ${Date.now() - t0} ms`);
    await driver.settle(expected);
    progressLog(`phase 1 settled at ${Date.now() - t0} ms`);
    const goods = expected.filter((s) => s.label.startsWith("good-"));
    for (const g of goods) {
      const status = await publicClient.readContract({
        address: addresses.datanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "contributionStatus",
        args: [g.id],
      });
      expect(status, `${g.label} must be accepted before phase 2 builds on it`).toBe(2);
    }

    // Phase 2: inferences over the accepted corpus, then contributions judged against it. From an epoch's
    // start, so that nothing of it is submitted past the workers' availability deadline.
    await driver.mineTo(await driver.epochLength());
    const tokenizer = createTiktokenTokenizer();
    const corpus = goods.map((g, i) => ({
      contributionId: g.id,
      format: "text" as const,
      content: enc.encode(goodTexts[i]!),
    }));
    const random = createRandom(77);
    const quote = (text: string) => {
      const words = text.split(/\s+/);
      const start = Math.floor(random() * (words.length - 40));
      return words.slice(start, start + 30).join(" ");
    };
    for (const [label, dishonest, a, b] of [
      ["honest-inference", false, 0, 2],
      ["dishonest-inference", true, 1, 0],
    ] as const) {
      const output = `${syntheticText(3000 + a, 12)} ${quote(goodTexts[a]!)} ${syntheticText(3100 + b, 10)} ${quote(goodTexts[b]!)}.`;
      const claim = buildAttributionClaim({ tokenizer, corpus, output, dishonest });
      expect(claim, `${label}: the output quotes the corpus`).toBeDefined();
      const made = await honest.recordInference({
        wallet: payer,
        modelId,
        modelDatanetIds: [textNet],
        output: enc.encode(output),
        ...claim!,
      });
      expected.push({ kind: 1, id: made.id, label, verdict: dishonest ? VERDICT.reject : VERDICT.accept });
      progressLog(`${label}: inference ${made.id}, ${claim!.contributionIds.length} entries`);
    }
    await contribute(
      "exact-duplicate",
      honest,
      { wallet: alice, datanetId: textNet, bytes: enc.encode(goodTexts[0]!.toUpperCase()) },
      VERDICT.reject,
      "EXACT_DUPLICATE",
    );
    await contribute(
      "near-duplicate",
      honest,
      { wallet: bob, datanetId: textNet, bytes: enc.encode(mutateWords(goodTexts[1]!, 0.03, 5)) },
      VERDICT.reject,
      "NEAR_DUPLICATE",
    );
    await contribute(
      "good-4",
      honest,
      { wallet: carol, datanetId: textNet, bytes: enc.encode(syntheticText(1004, 500)) },
      VERDICT.accept,
    );
    progressLog(`phase 2 submitted at ${Date.now() - t0} ms`);
    await driver.settle(expected);
    progressLog(`phase 2 settled at ${Date.now() - t0} ms`);
    // The daemons re-checked the inferences from index files on disk (searched in place), not from corpora
    // held in memory: the workers that voted on an inference kept its corpus under <dataDir>/attribution-index.
    const indexFiles = devnet.nodes.map((n) => {
      const dir = attributionIndexDir({ dataDir: join(devnetDirPath, n.name) });
      return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".idx")).length : 0;
    });
    progressLog(`attribution index files per node: ${indexFiles.join(", ")}`);
    expect(indexFiles.filter((n) => n > 0).length).toBeGreaterThan(0);

    // Phase 3: a good contribution committed past the availability deadline whose chunks follow seconds later
    // (as with `olnode contribute`, which commits first and may wait for subscribers before publishing): the
    // workers must wait for them, not call it unavailable.
    await driver.mineTo(await driver.availabilityDeadlineBlock());
    await contribute(
      "late-good",
      honest,
      {
        wallet: alice,
        datanetId: textNet,
        bytes: enc.encode(syntheticText(1005, 500)),
        release: { mode: "all", delayMs: 4_000 },
      },
      VERDICT.accept,
    );
    await driver.settle(expected);
    progressLog(`phase 3 settled at ${Date.now() - t0} ms`);

    // Phase 4: an inference is re-checked against the corpus as it stood when it was recorded. Its output is
    // held back until a new contribution quoting the same passage has been accepted; a worker that attributed
    // over today's corpus would split the span with it and call the honest claim dishonest.
    // From an epoch's start: the held-back output must not meet the availability deadline.
    await driver.mineTo(await driver.epochLength());
    const accepted = expected.filter((s) => s.kind === 0 && s.verdict === VERDICT.accept);
    const acceptedCorpus = accepted.map((s) => ({
      contributionId: s.id,
      format: "text" as const,
      content: contentOf.get(s.id)!,
    }));
    const passage = quote(goodTexts[0]!);
    const snapshotOutput = `${syntheticText(3200, 12)} ${passage} ${syntheticText(3201, 10)}.`;
    const snapshotClaim = buildAttributionClaim({
      tokenizer,
      corpus: acceptedCorpus,
      output: snapshotOutput,
    });
    expect(snapshotClaim).toBeDefined();
    const snapshot = await honest.recordInference({
      wallet: payer,
      modelId,
      modelDatanetIds: [textNet],
      output: enc.encode(snapshotOutput),
      ...snapshotClaim!,
      deferPublish: true,
    });
    const later = await contribute(
      "good-quoting-later",
      honest,
      {
        wallet: bob,
        datanetId: textNet,
        bytes: enc.encode(`${syntheticText(1006, 250)} ${passage} ${syntheticText(1007, 250)}`),
      },
      VERDICT.accept,
    );
    await driver.settle(expected.filter((s) => s.id === later.id && s.kind === 0));
    expect(
      buildAttributionClaim({
        tokenizer,
        corpus: [
          ...acceptedCorpus,
          { contributionId: later.id, format: "text", content: contentOf.get(later.id)! },
        ],
        output: snapshotOutput,
      }),
      "with the later contribution in the corpus the claim would differ",
    ).not.toEqual(snapshotClaim);
    await snapshot.publish();
    expected.push({ kind: 1, id: snapshot.id, label: "inference-over-past-corpus", verdict: VERDICT.accept });
    await driver.settle(expected);
    progressLog(`phase 4 settled at ${Date.now() - t0} ms`);

    // Every subject's on-chain verdict, and the registry's / ledger's status that follows from it.
    for (const s of expected) {
      const outcome = await publicClient.readContract({
        ...em,
        functionName: "outcomeOf",
        args: [s.kind, s.id],
      });
      expect(outcome.verdict, s.label).toBe(s.verdict);
      const status =
        s.kind === 0
          ? await publicClient.readContract({
              address: addresses.datanetRegistry,
              abi: datanetRegistryAbi,
              functionName: "contributionStatus",
              args: [s.id],
            })
          : await publicClient.readContract({
              address: addresses.attributionLedger,
              abi: attributionLedgerAbi,
              functionName: "inferenceStatus",
              args: [s.id],
            });
      const name = s.kind === 0 ? decodeContributionStatus(status) : decodeInferenceStatus(status);
      const expected =
        s.kind === 0
          ? s.verdict === VERDICT.accept
            ? "accepted"
            : "rejected"
          : s.verdict === VERDICT.accept
            ? "verified"
            : "disputed";
      expect(name, s.label).toBe(expected);
    }

    // Every attestation of these subjects, by every worker: the right verdict, and a report served by the
    // worker whose hash is the attested resultHash and whose findings give the expected reason.
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const logs = await publicClient.getContractEvents({
      ...em,
      fromBlock: devnet.chain.deploymentBlock,
      toBlock: head,
    });
    const attested = logs.filter((l) => l.eventName === "Attested");
    const nodeOf = new Map(devnet.nodes.map((n) => [n.address.toLowerCase(), n]));
    for (const s of expected) {
      const votes = attested.filter(
        (l) => l.eventName === "Attested" && Number(l.args.kind) === s.kind && l.args.subjectId === s.id,
      );
      expect(votes.length, `${s.label}: votes`).toBeGreaterThanOrEqual(2);
      for (const v of votes) {
        if (v.eventName !== "Attested") continue;
        const worker = v.args.worker!.toLowerCase();
        expect(v.args.verdict, `${s.label}: verdict of ${worker}`).toBe(s.verdict);
        const url = `${nodeOf.get(worker)!.httpUrl}/reports/${v.args.epoch}/${s.kind}/${s.id}`;
        const res = await fetch(url);
        expect(res.status, url).toBe(200);
        const body = new Uint8Array(await res.arrayBuffer());
        expect(keccak256(body), `${s.label}: report hash of ${worker}`).toBe(v.args.resultHash);
        const report = JSON.parse(new TextDecoder().decode(body));
        if (s.kind === 1) expect(report.verdict).toBe(s.verdict === VERDICT.accept ? "honest" : "dishonest");
        else if (s.finding)
          expect(
            report.findings.map((f: { code: string }) => f.code),
            `${s.label}: findings`,
          ).toContain(s.finding);
        else expect(report.findings, `${s.label}: findings`).toEqual([]);
      }
    }
    // The corrupted chunk reached the nodes, by gossip and by sync from the rogue's store, and was refused.
    const nodeUrls = devnet.nodes.map((n) => n.httpUrl);
    const rejected = await counterSum(
      nodeUrls,
      'olnode_p2p_messages_total{action="REJECT",code="BAD_PROOF"}',
    );
    const invalidSync = await counterSum(nodeUrls, 'olnode_p2p_sync_chunks_total{outcome="invalid"}');
    progressLog(
      `corrupted chunk: ${rejected} gossip REJECT BAD_PROOF, ${invalidSync} invalid sync responses`,
    );
    expect(rejected).toBeGreaterThan(0);
    expect(invalidSync).toBeGreaterThan(0);

    // Points: the contract's rules, replayed from its own events, give exactly what it recorded.
    const params = await publicClient.readContract({ ...em, functionName: "params" });
    const events = logs
      .filter((l) => ["EpochStarted", "Attested", "SubjectFinalized", "Heartbeat"].includes(l.eventName))
      .map((l) => ({ eventName: l.eventName, args: l.args }) as EpochManagerEvent);
    const replay = replayPoints(events, {
      agreePoints: BigInt(params.agreePoints),
      dissentPenalty: BigInt(params.dissentPenalty),
      heartbeatPoints: BigInt(params.heartbeatPoints),
    });
    expect(replay.violations).toEqual([]);
    const lastEpoch = await driver.currentEpoch();
    const chainPoints = new Map<
      string,
      { points: bigint; agreements: number; dissents: number; heartbeats: number }
    >();
    for (let e = 0n; e <= lastEpoch; e++) {
      for (const w of workers) {
        const p = await publicClient.readContract({ ...em, functionName: "pointsOf", args: [e, w] });
        const row = {
          points: BigInt(p.points),
          agreements: p.agreements,
          dissents: p.dissents,
          heartbeats: p.heartbeats,
        };
        const replayed = replay.workerEpochs.get(workerEpochKey(e, w)) ?? {
          points: 0n,
          agreements: 0,
          dissents: 0,
          heartbeats: 0,
        };
        expect(row, `points of ${w} in epoch ${e}`).toEqual(replayed);
        if (row.heartbeats || row.agreements || row.dissents) chainPoints.set(workerEpochKey(e, w), row);
      }
    }
    const agreements = [...chainPoints.values()].reduce((n, r) => n + r.agreements, 0);
    // Each decided subject scored its quorum of agreeing voters at least.
    expect(agreements).toBeGreaterThanOrEqual(expected.length * 2);
    progressLog(`points checked: ${chainPoints.size} worker-epochs, ${agreements} agreements`);

    // The indexer agrees: subjects over REST, points and finalizations over GraphQL.
    const chainVotes = (s: Expected) =>
      attested.filter(
        (l) => l.eventName === "Attested" && Number(l.args.kind) === s.kind && l.args.subjectId === s.id,
      ).length;
    await waitFor(
      "the indexer to agree with the chain",
      async () => {
        for (const s of expected) {
          if (s.kind === 0) {
            const c = await getJson<{
              status: string;
              attestations: unknown[];
              finalizations: { verdict: number }[];
            }>(`${devnet!.restUrl}/contributions/${s.id}`);
            expect(c.status, s.label).toBe(s.verdict === VERDICT.accept ? "accepted" : "rejected");
            expect(c.attestations.length, s.label).toBe(chainVotes(s));
            expect(
              c.finalizations.map((f) => f.verdict),
              s.label,
            ).toEqual([s.verdict]);
          } else {
            const i = await getJson<{ status: string; attestations: unknown[] }>(
              `${devnet!.restUrl}/inferences/${s.id}`,
            );
            expect(i.status, s.label).toBe(s.verdict === VERDICT.accept ? "verified" : "disputed");
            expect(i.attestations.length, s.label).toBe(chainVotes(s));
          }
        }
        const g = await graphql<{
          workerEpochs: {
            items: {
              epoch: string;
              worker: string;
              points: string;
              agreements: number;
              dissents: number;
              heartbeats: number;
            }[];
          };
        }>(
          devnet!.graphqlUrl,
          "{ workerEpochs(limit: 1000) { items { epoch worker points agreements dissents heartbeats } } }",
        );
        const indexed = new Map(
          g.workerEpochs.items.map((r) => [
            workerEpochKey(BigInt(r.epoch), r.worker),
            {
              points: BigInt(r.points),
              agreements: r.agreements,
              dissents: r.dissents,
              heartbeats: r.heartbeats,
            },
          ]),
        );
        for (const [key, row] of chainPoints) expect(indexed.get(key), `indexed points ${key}`).toEqual(row);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    progressLog(`done at ${Date.now() - t0} ms`);
  });
});
