import { createWalletClient, http, keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ContractsFixture,
  randomRoot,
  startContractsFixture,
} from "../../test/harness/deployFixture.ts";
import { decodeContributionStatus } from "../enums/contributionStatus.ts";
import { decodeInferenceStatus } from "../enums/inferenceStatus.ts";
import { SUBJECT_KIND } from "../enums/subjectKind.ts";
import { VERDICT } from "../enums/verdict.ts";
import { attributionLedgerAbi, datanetRegistryAbi } from "../generated/index.ts";
import { attest } from "./attest.ts";
import { contribute, contributeCall } from "./contribute.ts";
import { createDatanet } from "./createDatanet.ts";
import { overrideContribution } from "./overrideContribution.ts";
import { ProtocolCallRevertedError, sendProtocolCall } from "./protocolCall.ts";
import { recordInference } from "./recordInference.ts";
import { registerModel } from "./registerModel.ts";
import { registerWorker } from "./registerWorker.ts";

describe("typed protocol actions (real anvil, deployed protocol)", () => {
  let f: ContractsFixture;
  const clients = (i: number) => ({
    publicClient: f.publicClient,
    walletClient: f.walletClient(f.accounts[i]),
  });

  beforeAll(async () => {
    f = await startContractsFixture();
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
  });

  it("drive a contribution and an inference through the protocol, returning the ids the events carry", async () => {
    const { datanetId } = await createDatanet(clients(1), {
      address: f.addresses.datanetRegistry,
      name: "actions",
      metadataURI: "ipfs://actions",
      format: "text",
      maxChunkBytes: 1024,
    });
    const dataRoot = randomRoot();
    const made = await contribute(clients(2), {
      address: f.addresses.datanetRegistry,
      datanetId,
      dataRoot,
      byteSize: 100n,
      chunkCount: 1,
      license: "CC-BY-4.0",
      metadataURI: "",
    });
    const status = () =>
      f.publicClient.readContract({
        address: f.addresses.datanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "contributionStatus",
        args: [made.contributionId],
      });
    expect(decodeContributionStatus(await status())).toBe("pending");
    await overrideContribution(clients(1), {
      address: f.addresses.datanetRegistry,
      contributionId: made.contributionId,
      status: "accepted",
    });
    expect(decodeContributionStatus(await status())).toBe("accepted");

    const { modelId } = await registerModel(clients(1), {
      address: f.addresses.modelRegistry,
      baseModelHash: keccak256(toHex("base")),
      adapterHash: keccak256(toHex("adapter")),
      datanetIds: [datanetId],
      metadataURI: "",
    });
    // The fee is read with quoteFee when not given, and is exactly what the ledger charged.
    const inference = await recordInference(clients(3), {
      address: f.addresses.attributionLedger,
      modelId,
      outputRoot: randomRoot(),
      corpusBlock: await f.publicClient.getBlockNumber(),
      tokensIn: 10n,
      tokensOut: 20n,
      contributionIds: [made.contributionId],
      weights: [1_000_000n],
    });
    const quoted = await f.publicClient.readContract({
      address: f.addresses.attributionLedger,
      abi: attributionLedgerAbi,
      functionName: "quoteFee",
      args: [10n, 20n],
    });
    expect(inference.fee).toBe(quoted);
    const inferenceStatus = await f.publicClient.readContract({
      address: f.addresses.attributionLedger,
      abi: attributionLedgerAbi,
      functionName: "inferenceStatus",
      args: [inference.inferenceId],
    });
    expect(decodeInferenceStatus(inferenceStatus)).toBe("recorded");
  });

  it("name the protocol error of a refused call, in estimation and for an encoded call alike", async () => {
    const missing = { address: f.addresses.datanetRegistry, datanetId: 999n, dataRoot: randomRoot() };
    const p = { ...missing, byteSize: 1n, chunkCount: 1, license: "x", metadataURI: "" };
    const error = await contribute(clients(2), p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolCallRevertedError);
    expect((error as ProtocolCallRevertedError).errorName).toBe("DatanetNotFound");
    expect((error as Error).message).toMatch(/contribute reverted with DatanetNotFound/);
    await expect(sendProtocolCall(clients(2), contributeCall(p))).rejects.toMatchObject({
      errorName: "DatanetNotFound",
    });
    // An attestation outside any assignment: the EpochManager's own error comes back by name.
    await registerWorker(clients(4), {
      address: f.addresses.epochManager,
      peerId: "12D3KooWx",
      stake: parseEther("1"),
    });
    const refused = await attest(clients(4), {
      address: f.addresses.epochManager,
      epoch: 0n,
      kind: SUBJECT_KIND.contribution,
      subjectId: 999n,
      verdict: VERDICT.accept,
      score: 1,
      resultHash: keccak256(toHex("r")),
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProtocolCallRevertedError);
    expect((refused as ProtocolCallRevertedError).errorName).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it("refuse a wallet without an account with a hint", async () => {
    const walletClient = createWalletClient({ chain: f.chain, transport: http(f.rpcUrl) });
    await expect(
      createDatanet(
        { publicClient: f.publicClient, walletClient },
        {
          address: f.addresses.datanetRegistry,
          name: "x",
          metadataURI: "",
          format: "text",
          maxChunkBytes: 1,
        },
      ),
    ).rejects.toThrow(/createDatanet: the wallet client has no account/);
  });
});
