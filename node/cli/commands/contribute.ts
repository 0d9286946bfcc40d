import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { createCommon } from "../../../config/common/createCommon.ts";
import { NonRetryableUserError } from "../../../config/errors/BaseError.ts";
import { loadConfig } from "../../../config/loadConfig.ts";
import { contribute } from "../../../contracts/actions/contribute.ts";
import { defineL2Chain } from "../../../contracts/chain/defineL2Chain.ts";
import { datanetRegistryAbi } from "../../../contracts/generated/index.ts";
import { chunkContribution, createP2PNode } from "../../../p2p/index.ts";
import { requireContracts } from "../../daemon/requireContracts.ts";
import { createChainCommitmentSource } from "../../p2p/createChainCommitmentSource.ts";
import { type Command, configOption, EXIT } from "../command.ts";
import { loadOperatorAccount } from "./loadOperatorAccount.ts";

export const contributeCommand: Command = {
  name: ["contribute"],
  summary: "Contribute a file to a Datanet: chunk it, commit its root on-chain, publish it over p2p",
  usage:
    "olnode contribute --file <path> --datanet <id> [--license <spdx>] [--metadata-uri <uri>] [--peer <multiaddr>]… [--serve-seconds <n>] [--keystore <file>]",
  help: [
    "Splits the file into chunks (the Datanet's maxChunkBytes, at most 256 KiB), computes its Merkle root, sends",
    "DatanetRegistry.contribute from the keystore's account, then gossips the chunks to p2p.bootstrap and --peer",
    "nodes and keeps serving them for --serve-seconds (default 30) so peers can backfill. Prints the contribution",
    "id and its REST URL. Validators judge it within the next epochs.",
    "",
    "Options:",
    "  -c, --config <file>        JSON config file (chain, contracts, p2p.bootstrap, indexer.url)",
    "      --file <path>          the data (UTF-8 text, or JSONL for a jsonl Datanet)",
    "      --datanet <id>         the Datanet's id",
    "      --license <spdx>       SPDX licence id (default CC-BY-4.0)",
    "      --metadata-uri <uri>   where the contribution is described (default: none)",
    "      --peer <multiaddr>     a node to push the chunks to, with /p2p/<id> (repeatable)",
    "      --serve-seconds <n>    how long to stay up serving chunks after publishing (default 30)",
    "      --keystore <file>      the contributor's keystore (default worker.keystoreFile)",
  ].join("\n"),
  options: {
    ...configOption,
    file: { type: "string" },
    datanet: { type: "string" },
    license: { type: "string" },
    "metadata-uri": { type: "string" },
    peer: { type: "string", multiple: true },
    "serve-seconds": { type: "string" },
    keystore: { type: "string" },
  },
  async run({ values, env, stdout, stderr }) {
    const file = values.file as string | undefined;
    const datanetArg = values.datanet as string | undefined;
    if (!file || !datanetArg || !/^\d{1,78}$/.test(datanetArg)) {
      stderr.write("olnode contribute: --file <path> and --datanet <numeric id> are required.\n");
      return EXIT.usage;
    }
    const serveSeconds = values["serve-seconds"] === undefined ? 30 : Number(values["serve-seconds"]);
    if (!Number.isFinite(serveSeconds) || serveSeconds < 0) {
      stderr.write("olnode contribute: --serve-seconds must be a number of seconds >= 0.\n");
      return EXIT.usage;
    }
    const config = loadConfig({ file: values.config as string | undefined, env });
    const addresses = requireContracts(config, "for `olnode contribute`");
    let bytes: Uint8Array;
    try {
      if (!statSync(file).isFile()) throw new Error("not a regular file");
      bytes = new Uint8Array(readFileSync(file));
    } catch (error) {
      throw new NonRetryableUserError(
        `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
    if (bytes.length === 0)
      throw new NonRetryableUserError(`${file} is empty: there is nothing to contribute.`);
    const datanetId = BigInt(datanetArg);
    const chain = defineL2Chain({ id: config.chain.chainId, rpcUrl: config.chain.l2RpcUrl });
    const publicClient = createPublicClient({
      chain,
      transport: http(config.chain.l2RpcUrl),
    }) as PublicClient;
    const registry = { address: addresses.datanetRegistry, abi: datanetRegistryAbi } as const;
    const exists = await publicClient.readContract({
      ...registry,
      functionName: "datanetExists",
      args: [datanetId],
    });
    if (!exists)
      throw new NonRetryableUserError(
        `Datanet ${datanetId} does not exist on chain ${config.chain.chainId}.`,
      );
    const datanet = await publicClient.readContract({
      ...registry,
      functionName: "getDatanet",
      args: [datanetId],
    });
    const chunkBytes = Math.min(256 * 1024, Number(datanet.maxChunkBytes));
    const chunked = chunkContribution({ datanetId, bytes, chunkBytes });

    const account = await loadOperatorAccount(config, values.keystore as string | undefined);
    const common = createCommon({
      level: config.log.level === "info" ? "warn" : config.log.level,
      format: config.log.format,
      name: "contribute",
    });
    const dir = join(config.dataDir, "contribute");
    const p2p = await createP2PNode(common, {
      options: {
        keyPath: join(dir, "identity.key"),
        storePath: join(dir, "store"),
        listen: ["/ip4/0.0.0.0/tcp/0"],
        bootstrap: config.p2p.bootstrap,
        maxChunkBytes: Math.max(chunkBytes, 1),
        chunkBytes,
      },
      commitments: createChainCommitmentSource(publicClient, addresses.datanetRegistry),
      datanets: [datanetId],
    });
    try {
      for (const peer of (values.peer as string[] | undefined) ?? []) {
        await p2p
          .dial(peer)
          .catch((error: Error) =>
            stderr.write(`olnode contribute: could not dial ${peer}: ${error.message}\n`),
          );
      }
      // Commit first: peers accept chunks only for committed roots (earlier ones would wait in their pending sets).
      const wallet = createWalletClient({ chain, transport: http(config.chain.l2RpcUrl), account });
      const { contributionId, receipt } = await contribute(
        { publicClient, walletClient: wallet },
        {
          address: addresses.datanetRegistry,
          datanetId,
          dataRoot: chunked.dataRoot,
          byteSize: BigInt(chunked.byteSize),
          chunkCount: chunked.count,
          license: (values.license as string | undefined) ?? "CC-BY-4.0",
          metadataURI: (values["metadata-uri"] as string | undefined) ?? "",
        },
      );
      // Gossip reaches only peers already subscribed to the topic: give a fresh connection a moment to learn
      // them (those that miss it still backfill from us while we serve).
      if (p2p.connectedPeers().length > 0) await p2p.waitForSubscribers(datanetId, 5_000);
      const published = await p2p.publish({ chunked });
      const indexerUrl =
        config.indexer.url ??
        `http://${config.indexer.host === "0.0.0.0" ? "127.0.0.1" : config.indexer.host}:${config.indexer.port}`;
      stdout.write(
        `${JSON.stringify({
          contributionId: contributionId.toString(),
          datanetId: datanetId.toString(),
          dataRoot: published.dataRoot,
          chunkCount: published.count,
          byteSize: published.byteSize,
          transaction: receipt.transactionHash,
          peers: p2p.connectedPeers().length,
          url: `${indexerUrl}/api/v1/contributions/${contributionId}`,
        })}\n`,
      );
      if (serveSeconds > 0) await new Promise((r) => setTimeout(r, serveSeconds * 1000));
    } finally {
      await common.shutdown.kill("contribute done");
    }
    return EXIT.ok;
  },
};
