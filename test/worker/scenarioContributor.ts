import { join } from "node:path";
import { type Hex, keccak256, type PublicClient, type WalletClient } from "viem";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { contribute as contributeAction } from "../../contracts/actions/contribute.ts";
import { createDatanet } from "../../contracts/actions/createDatanet.ts";
import { recordInference } from "../../contracts/actions/recordInference.ts";
import { registerModel } from "../../contracts/actions/registerModel.ts";
import type { DeployedAddresses } from "../../contracts/deploy/deployContracts.ts";
import { hashChunk } from "../../contracts/merkle/chunkTree.ts";
import { createChainCommitmentSource } from "../../node/p2p/createChainCommitmentSource.ts";
import {
  type ChunkMessage,
  chunkContribution,
  chunkOutput,
  chunkTopic,
  createP2PNode,
  encodeChunkMessage,
  type P2PNode,
} from "../../p2p/index.ts";
import { makeTempDir } from "../harness/tempDir.ts";

/**
 * How a contribution's chunks reach the network:
 * - `all`: published honestly (the chunk store keeps them to serve backfills), `delayMs` after the commitment
 *   (a slow upload, or `olnode contribute` waiting for its first subscribers);
 * - `withhold`: the listed chunks are never published nor served anywhere (missing chunks);
 * - `corrupt`: the listed chunks are gossiped and served with one byte flipped (and a chunk hash that matches
 *   the flipped bytes), so they hash to a leaf that is not the committed one.
 */
export type ChunkRelease =
  | { mode: "all"; delayMs?: number }
  | { mode: "withhold" | "corrupt"; indices: number[] };

export type ScenarioContributor = {
  node: P2PNode;
  createDatanet(name: string, format: "text" | "jsonl", maxChunkBytes: number): Promise<bigint>;
  registerModel(name: string, datanetIds: bigint[]): Promise<bigint>;
  /** Commits the contribution on-chain from `wallet`, then releases its chunks as told. */
  contribute(parameters: {
    wallet: WalletClient;
    datanetId: bigint;
    bytes: Uint8Array;
    chunkBytes: number;
    license: string;
    release?: ChunkRelease;
  }): Promise<{ id: bigint; dataRoot: Hex; count: number }>;
  /**
   * Records an inference paid by `wallet` and publishes its output by the output-chunk rule (`chunkOutput`),
   * at once or, with `deferPublish`, when the returned `publish` is called.
   */
  recordInference(parameters: {
    wallet: WalletClient;
    modelId: bigint;
    /** The model's Datanets: the output travels on the lowest one's topic. */
    modelDatanetIds: bigint[];
    output: Uint8Array;
    contributionIds: bigint[];
    weights: bigint[];
    /** The block the claim was computed against (default: the latest block when this is called). */
    corpusBlock?: bigint;
    deferPublish?: boolean;
  }): Promise<{ id: bigint; outputRoot: Hex; publish(): Promise<void> }>;
  stop(): Promise<void>;
};

const enc = new TextEncoder();

/**
 * A contributor's side of the protocol, as `olnode contribute` does it: its own p2p node (commitments read
 * from the chain), transactions from the contributor's wallet, chunks published after the commitment. The
 * Datanet owner's wallet creates Datanets and registers the model.
 */
export async function createScenarioContributor(parameters: {
  publicClient: PublicClient;
  addresses: DeployedAddresses;
  owner: WalletClient;
  /** A devnet node's multiaddr (with /p2p/<id>) to join the network through. */
  bootstrap: string[];
}): Promise<ScenarioContributor> {
  const { publicClient, addresses } = parameters;
  const as = (walletClient: WalletClient) => ({ publicClient, walletClient });
  const common = createTestCommon("scenario-contributor");
  const dir = makeTempDir("olnode-scenario-contributor-");
  const node = await createP2PNode(common, {
    options: {
      keyPath: join(dir, "identity.key"),
      storePath: join(dir, "store"),
      listen: ["/ip4/127.0.0.1/tcp/0"],
      bootstrap: parameters.bootstrap,
      ipColocationWhitelist: ["127.0.0.1"],
    },
    commitments: createChainCommitmentSource(publicClient, addresses.datanetRegistry),
  });
  for (const address of parameters.bootstrap) await node.dial(address).catch(() => undefined);
  /** Gossip reaches only peers known to be subscribed: wait until some are (the nodes follow new Datanets). */
  async function awaitSubscribers(datanetId: bigint) {
    if (!(await node.waitForSubscribers(datanetId, 20_000)))
      throw new Error(`No peer subscribed to Datanet ${datanetId} within 20 s`);
  }

  /** One chunk as given, honest or not (a scenario's bad contribution), stored to serve and gossiped raw. */
  async function gossip(message: ChunkMessage) {
    await node.store.putChunk(message);
    await node.host.services.pubsub.publish(chunkTopic(message.datanetId), encodeChunkMessage(message));
  }

  function corrupted(message: ChunkMessage): ChunkMessage {
    const bytes = Uint8Array.from(message.bytes);
    bytes[0] = bytes[0]! ^ 0xff;
    return { ...message, bytes, chunkHash: hashChunk(bytes) };
  }

  return {
    node,
    async createDatanet(name, format, maxChunkBytes) {
      const { datanetId } = await createDatanet(as(parameters.owner), {
        address: addresses.datanetRegistry,
        name,
        metadataURI: `ipfs://scenario/${name}`,
        format,
        maxChunkBytes,
      });
      return datanetId;
    },
    async registerModel(name, datanetIds) {
      const { modelId } = await registerModel(as(parameters.owner), {
        address: addresses.modelRegistry,
        baseModelHash: keccak256(enc.encode(`${name}-base`)),
        adapterHash: keccak256(enc.encode(`${name}-lora`)),
        datanetIds,
        metadataURI: `ipfs://scenario/${name}`,
      });
      return modelId;
    },
    async contribute({ wallet, datanetId, bytes, chunkBytes, license, release = { mode: "all" } }) {
      const chunked = chunkContribution({ datanetId, bytes, chunkBytes });
      const { contributionId } = await contributeAction(as(wallet), {
        address: addresses.datanetRegistry,
        datanetId,
        dataRoot: chunked.dataRoot,
        byteSize: BigInt(chunked.byteSize),
        chunkCount: chunked.count,
        license,
        metadataURI: "ipfs://scenario",
      });
      await awaitSubscribers(datanetId);
      if (release.mode === "all") {
        if (release.delayMs) await new Promise((r) => setTimeout(r, release.delayMs));
        await node.publish({ chunked });
      } else {
        for (const message of chunked.messages) {
          const listed = release.indices.includes(message.index);
          if (!listed) await gossip(message);
          else if (release.mode === "corrupt") await gossip(corrupted(message));
        }
      }
      return { id: contributionId, dataRoot: chunked.dataRoot, count: chunked.count };
    },
    async recordInference({
      wallet,
      modelId,
      modelDatanetIds,
      output,
      contributionIds,
      weights,
      corpusBlock,
      deferPublish,
    }) {
      const chunked = chunkOutput({ modelDatanetIds, bytes: output });
      const { inferenceId } = await recordInference(as(wallet), {
        address: addresses.attributionLedger,
        modelId,
        outputRoot: chunked.dataRoot,
        corpusBlock: corpusBlock ?? (await publicClient.getBlockNumber()),
        tokensIn: 40n,
        tokensOut: BigInt(Math.ceil(output.length / 4)),
        contributionIds,
        weights,
      });
      const publish = async () => {
        await awaitSubscribers(chunked.datanetId);
        await node.publish({ chunked });
      };
      if (!deferPublish) await publish();
      return { id: inferenceId, outputRoot: chunked.dataRoot, publish };
    },
    async stop() {
      await common.shutdown.kill("scenario done");
    },
  };
}
