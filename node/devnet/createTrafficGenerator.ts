import { type Hex, keccak256, type PublicClient, type WalletClient } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { firstLine } from "../../config/errors/firstLine.ts";
import { claimPoints } from "../../contracts/actions/claimPoints.ts";
import { claimRewards } from "../../contracts/actions/claimRewards.ts";
import { contribute as contributeAction } from "../../contracts/actions/contribute.ts";
import { createDatanet } from "../../contracts/actions/createDatanet.ts";
import { readEpochPoints } from "../../contracts/actions/readEpochPoints.ts";
import { recordInference } from "../../contracts/actions/recordInference.ts";
import { registerModel } from "../../contracts/actions/registerModel.ts";
import { CONTRIBUTION_STATUS } from "../../contracts/enums/contributionStatus.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
} from "../../contracts/generated/index.ts";
import { buildEpochPointsTree } from "../../contracts/merkle/pointsTree.ts";
import type { P2PNode } from "../../p2p/index.ts";
import { createTiktokenTokenizer } from "../attribution/index.ts";
import type { ProtocolAddresses } from "../daemon/requireContracts.ts";
import { createRandom, mutateWords, syntheticText } from "../worker/validation/syntheticText.ts";
import { buildAttributionClaim } from "./buildAttributionClaim.ts";

export type TrafficGeneratorParameters = {
  publicClient: PublicClient;
  /** One wallet per role: datanet owner / model developer, contributors, inference payer. */
  owner: WalletClient;
  contributors: WalletClient[];
  payer: WalletClient;
  addresses: ProtocolAddresses;
  /** The node that publishes contributions' and outputs' chunks (any devnet node). */
  publisher: P2PNode;
  seed?: number;
};

type Made = { id: bigint; datanetId: bigint; text: string; kind: ContributionKind };
type ContributionKind = "good" | "badLicense" | "duplicate" | "nearDuplicate" | "unavailable";

const enc = new TextEncoder();

/**
 * Devnet traffic: Datanets, contributions good and bad (a disallowed licence, an exact and a near duplicate of
 * an accepted one, one whose chunks never appear), a model, and inferences whose attribution is computed with
 * the same engine the workers use (honest) or deliberately skewed (dishonest), plus reward and airdrop claims.
 * One action per step; `step()` is called on a timer by the devnet.
 */
export function createTrafficGenerator(common: Common, p: TrafficGeneratorParameters) {
  const log = common.logger.child({ module: "traffic" });
  const random = createRandom(p.seed ?? 7);
  const tokenizer = createTiktokenTokenizer();
  const made: Made[] = [];
  const datanets: bigint[] = [];
  let modelId: bigint | undefined;
  let steps = 0;
  let busy = false;
  const claimedAirdrops = new Set<string>();
  const counts: Record<string, number> = {};
  const bump = (k: string) => {
    counts[k] = (counts[k] ?? 0) + 1;
  };

  const as = (walletClient: WalletClient) => ({ publicClient: p.publicClient, walletClient });

  async function setup() {
    for (const [name, format] of [
      ["open-wiki", "text"],
      ["qa-pairs", "jsonl"],
    ] as const) {
      const { datanetId } = await createDatanet(as(p.owner), {
        address: p.addresses.datanetRegistry,
        name,
        metadataURI: `ipfs://devnet/${name}`,
        format,
        maxChunkBytes: 256 * 1024,
      });
      datanets.push(datanetId);
      p.publisher.subscribe(datanetId);
      bump("datanet");
    }
    ({ modelId } = await registerModel(as(p.owner), {
      address: p.addresses.modelRegistry,
      baseModelHash: keccak256(enc.encode("devnet-base-model")),
      adapterHash: keccak256(enc.encode("devnet-lora-1")),
      datanetIds: datanets,
      metadataURI: "ipfs://devnet/model-1",
    }));
    bump("model");
    log.info({
      msg: "Devnet datanets and model created",
      datanets: datanets.map(String),
      model: String(modelId),
    });
  }

  function contentFor(datanetId: bigint, text: string): Uint8Array {
    if (datanetId !== datanets[1]) return enc.encode(text);
    // JSONL: one record per sentence-sized slice of the text.
    const words = text.split(/\s+/);
    const lines = [];
    for (let i = 0; i < words.length; i += 40) {
      lines.push(JSON.stringify({ question: `q${i / 40}`, text: words.slice(i, i + 40).join(" ") }));
    }
    return enc.encode(`${lines.join("\n")}\n`);
  }

  async function status(id: bigint, blockNumber?: bigint) {
    return p.publicClient.readContract({
      address: p.addresses.datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "contributionStatus",
      args: [id],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    });
  }

  /** Contributions accepted now, or at the end of `blockNumber` (an inference's corpusBlock). */
  async function accepted(blockNumber?: bigint): Promise<Made[]> {
    const out = [];
    for (const m of made) {
      if ((await status(m.id, blockNumber)) === CONTRIBUTION_STATUS.accepted) out.push(m);
    }
    return out;
  }

  async function contribute(kind: ContributionKind) {
    const datanetId = datanets[Math.floor(random() * datanets.length)]!;
    const acceptedNow = (await accepted()).filter((m) => m.datanetId === datanetId);
    let text = syntheticText(Math.floor(random() * 2 ** 31), 300 + Math.floor(random() * 500));
    if ((kind === "duplicate" || kind === "nearDuplicate") && acceptedNow.length === 0) kind = "good";
    // Same words in other letter case: new bytes (the registry refuses a repeated dataRoot outright), but the
    // same normalised content, which only the validators' exact-duplicate check can catch.
    if (kind === "duplicate")
      text = acceptedNow[Math.floor(random() * acceptedNow.length)]!.text.toUpperCase();
    if (kind === "nearDuplicate")
      text = mutateWords(acceptedNow[Math.floor(random() * acceptedNow.length)]!.text, 0.03, steps);
    const bytes = contentFor(datanetId, text);
    const contributor = p.contributors[Math.floor(random() * p.contributors.length)]!;
    let root: { dataRoot: Hex; count: number; byteSize: number };
    if (kind === "unavailable") {
      // Commit the root of these bytes but gossip different ones: peers reject every chunk as forged,
      // so no worker can ever fetch the committed data.
      const { chunkContribution } = await import("../../p2p/index.ts");
      const c = chunkContribution({ datanetId, bytes });
      root = { dataRoot: c.dataRoot, count: c.count, byteSize: c.byteSize };
    } else {
      root = await p.publisher.publish({ datanetId, bytes });
    }
    const { contributionId } = await contributeAction(as(contributor), {
      address: p.addresses.datanetRegistry,
      datanetId,
      dataRoot: root.dataRoot,
      byteSize: BigInt(root.byteSize),
      chunkCount: root.count,
      license: kind === "badLicense" ? "LicenseRef-Proprietary" : "CC-BY-4.0",
      metadataURI: `ipfs://devnet/${steps}`,
    });
    made.push({ id: contributionId, datanetId, text, kind });
    bump(`contribution.${kind}`);
    log.info({
      msg: "Contribution",
      id: String(contributionId),
      datanet: String(datanetId),
      kind,
    });
  }

  async function infer(dishonest: boolean) {
    // The corpus as it stood at the end of a finished block: the inference records that block on-chain.
    const corpusBlock = await p.publicClient.getBlockNumber();
    const corpus = await accepted(corpusBlock);
    if (corpus.length < 2 || modelId === undefined) return false;
    // An answer that quotes two accepted contributions verbatim, with new words around them.
    const quote = (m: Made) => {
      const words = m.text.split(/\s+/);
      const start = Math.floor(random() * Math.max(1, words.length - 40));
      return words.slice(start, start + 25 + Math.floor(random() * 15)).join(" ");
    };
    const a = corpus[Math.floor(random() * corpus.length)]!;
    const b = corpus[Math.floor(random() * corpus.length)]!;
    const output = `${syntheticText(steps * 7 + 1, 12)} ${quote(a)} ${syntheticText(steps * 7 + 2, 10)} ${quote(b)}.`;
    const claim = buildAttributionClaim({
      tokenizer,
      corpus: corpus.map((m) => ({
        contributionId: m.id,
        format: m.datanetId === datanets[1] ? "jsonl" : "text",
        content: contentFor(m.datanetId, m.text),
      })),
      output,
      dishonest,
    });
    if (!claim) return false;
    const { contributionIds: ids, weights } = claim;
    const bytes = enc.encode(output);
    const model = await p.publicClient.readContract({
      address: p.addresses.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "getModel",
      args: [modelId],
    });
    const published = await p.publisher.publishOutput({ modelDatanetIds: model.datanetIds, bytes });
    await recordInference(as(p.payer), {
      address: p.addresses.attributionLedger,
      modelId,
      outputRoot: published.dataRoot,
      corpusBlock,
      tokensIn: 40n,
      tokensOut: BigInt(tokenizer.encode(output).length),
      contributionIds: ids,
      weights,
    });
    bump(dishonest ? "inference.dishonest" : "inference.honest");
    log.info({ msg: "Inference", entries: ids.length, dishonest });
    return true;
  }

  async function claims() {
    for (const c of p.contributors) {
      const amount = await p.publicClient.readContract({
        address: p.addresses.attributionLedger,
        abi: attributionLedgerAbi,
        functionName: "claimable",
        args: [c.account!.address],
      });
      if ((amount as bigint) > 0n) {
        await claimRewards(as(c), { address: p.addresses.attributionLedger });
        bump("rewardClaim");
        return;
      }
    }
    // Airdrop: pay a worker's points of the newest closed epoch against the posted root.
    const em = { address: p.addresses.epochManager, abi: epochManagerAbi } as const;
    const current = await p.publicClient.readContract({ ...em, functionName: "currentEpoch" });
    for (let e = current > 0n ? current - 1n : 0n; e >= 0n && e + 4n >= current; e--) {
      const info = await p.publicClient.readContract({ ...em, functionName: "getEpoch", args: [e] });
      if (!info.closed) {
        if (e === 0n) break;
        continue;
      }
      const balances = await readEpochPoints(p.publicClient, {
        address: p.addresses.epochManager,
        epoch: e,
        fromBlock: 0n,
      });
      const tree = buildEpochPointsTree(e, balances);
      if (tree.root !== info.pointsRoot) break;
      for (const entry of tree.entries) {
        const key = `${e}:${entry.account}`;
        if (claimedAirdrops.has(key)) continue;
        claimedAirdrops.add(key);
        await claimPoints(as(p.payer), {
          address: p.addresses.pointsDistributor,
          epoch: e,
          account: entry.account,
          points: entry.points,
          proof: tree.proof(entry.account),
        });
        bump("airdropClaim");
        return;
      }
      if (e === 0n) break;
    }
  }

  /**
   * The action schedule: set-up, then one of each contribution kind (so accepted and rejected ones both show
   * early), then a cycle of inferences (one in four dishonest), claims and more contributions.
   */
  const opening: ContributionKind[] = [
    "good",
    "good",
    "good",
    "badLicense",
    "good",
    "unavailable",
    "good",
    "duplicate",
    "nearDuplicate",
  ];
  const kinds: ContributionKind[] = [
    "good",
    "good",
    "good",
    "badLicense",
    "duplicate",
    "nearDuplicate",
    "unavailable",
  ];
  async function step() {
    if (busy) return;
    busy = true;
    try {
      if (steps === 0) await setup();
      else if (steps <= opening.length) await contribute(opening[steps - 1]!);
      else {
        const phase = (steps - opening.length) % 6;
        if (phase === 0 || phase === 2) {
          if (!(await infer(false))) await contribute("good");
        } else if (phase === 3) {
          if (!(await infer(true))) await contribute("good");
        } else if (phase === 4) await claims();
        else await contribute(kinds[Math.floor(random() * kinds.length)]!);
      }
      steps++;
    } catch (error) {
      log.warn({ msg: "Traffic step failed", error: firstLine(error) });
    } finally {
      busy = false;
    }
  }

  return {
    step,
    counts: () => ({ ...counts }),
    contributions: () => made.map((m) => ({ id: m.id, kind: m.kind })),
  };
}
