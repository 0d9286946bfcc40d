import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { datanetRegistryAbi } from "../../contracts/generated/index.ts";
import { encryptKeystore, writeSecretFile } from "../../node/keys/keystore.ts";
import { createChainCommitmentSource } from "../../node/p2p/createChainCommitmentSource.ts";
import { createP2PNode } from "../../p2p/index.ts";
import { startTestChain, type TestChain } from "../harness/anvil.ts";
import { OLNODE_ENTRY, runOlnode } from "../harness/runOlnode.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { waitFor } from "../harness/waitFor.ts";

const dir = makeTempDir("olnode-contribute-e2e-");
let chain: TestChain | undefined;
const common = createTestCommon("receiver");
afterAll(async () => {
  await common.shutdown.kill();
  await chain?.stop();
});

describe("olnode contribute (as a process, to a real p2p node)", () => {
  // A budget, not a speed check: 62 s in load mode (the CLI serves for 15 s after its start-up and commit),
  // half of the default 120 s.
  it("commits the file's root on-chain and delivers its chunks to a peer", { timeout: 300_000 }, async () => {
    chain = await startTestChain();
    const { addresses } = await deployContracts({
      walletClient: chain.walletClient() as never,
      publicClient: chain.publicClient,
    });
    const owner = chain.accounts[4]!;
    const created = await chain.walletClient(owner).writeContract({
      address: addresses.datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "createDatanet",
      args: ["e2e", "ipfs://e2e", "text", 1024],
      account: owner,
      chain: chain.chain,
    });
    const [event] = parseEventLogs({
      abi: datanetRegistryAbi,
      logs: (await chain.publicClient.waitForTransactionReceipt({ hash: created })).logs,
      eventName: "DatanetCreated",
    });
    const datanetId = event!.args.datanetId;

    const receiver = await createP2PNode(common, {
      options: {
        keyPath: join(dir, "receiver", "key"),
        storePath: join(dir, "receiver", "store"),
        listen: ["/ip4/127.0.0.1/tcp/0"],
        ipColocationWhitelist: ["127.0.0.1"],
      },
      commitments: createChainCommitmentSource(chain.publicClient, addresses.datanetRegistry),
      datanets: [datanetId],
    });

    // A contributor key in a keystore, funded for gas; a file spanning several 1 KiB chunks.
    const key = generatePrivateKey();
    const keystore = join(dir, "contributor.json");
    writeSecretFile(keystore, JSON.stringify(await encryptKeystore(key, "pw", { n: 4096 })));
    const pw = join(dir, "pw");
    writeFileSync(pw, "pw\n", { mode: 0o600 });
    await chain.testClient.setBalance({ address: privateKeyToAccount(key).address, value: 10n ** 19n });
    const content = Array.from({ length: 400 }, (_, i) => `line ${i} of an open dataset about rivers`).join(
      "\n",
    );
    const file = join(dir, "data.txt");
    writeFileSync(file, content);

    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE") && k !== "DATABASE_URL"),
    );
    const env = {
      ...clean,
      OLNODE__DATA_DIR: join(dir, "cli"),
      OLNODE__CHAIN__L2_RPC_URL: chain.rpcUrl,
      OLNODE__CONTRACTS__DATANET_REGISTRY: addresses.datanetRegistry,
      OLNODE__CONTRACTS__MODEL_REGISTRY: addresses.modelRegistry,
      OLNODE__CONTRACTS__ATTRIBUTION_LEDGER: addresses.attributionLedger,
      OLNODE__CONTRACTS__EPOCH_MANAGER: addresses.epochManager,
      OLNODE__CONTRACTS__POINTS_DISTRIBUTOR: addresses.pointsDistributor,
      OLNODE__WORKER__PASSWORD_FILE: pw,
    };
    const peer = receiver.multiaddrs()[0]!;
    const r = await runOlnode(
      [
        "contribute",
        "--file",
        file,
        "--datanet",
        String(datanetId),
        "--peer",
        peer,
        "--serve-seconds",
        "15",
        "--keystore",
        keystore,
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.chunkCount).toBeGreaterThan(5);
    const onChain = await chain.publicClient.readContract({
      address: addresses.datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "contributionIdByRoot",
      args: [out.dataRoot],
    });
    expect(String(onChain)).toBe(out.contributionId);
    const stored = await waitFor("the receiver to hold the whole contribution", async () => {
      return (
        (await receiver.store.readContribution(out.dataRoot)) ??
        (await receiver.getContribution(out.dataRoot))
      );
    });
    expect(new TextDecoder().decode(stored)).toBe(content);

    // Bad input: an unknown Datanet is refused before anything is sent; a missing flag is a usage error.
    const unknown = spawnSync(
      process.execPath,
      [OLNODE_ENTRY, "contribute", "--file", file, "--datanet", "999", "--keystore", keystore],
      {
        env,
        encoding: "utf8",
      },
    );
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("Datanet 999 does not exist");
    expect(
      spawnSync(process.execPath, [OLNODE_ENTRY, "contribute", "--datanet", "1"], { env, encoding: "utf8" })
        .status,
    ).toBe(2);
  });
});
