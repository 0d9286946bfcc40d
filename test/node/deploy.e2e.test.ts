import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/loadConfig.ts";
import { defaultDeployParams } from "../../contracts/deploy/deployContracts.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryDeployedBytecode,
  pointsDistributorAbi,
} from "../../contracts/generated/index.ts";
import { encryptKeystore, writeSecretFile } from "../../node/keys/keystore.ts";
import { startTestChain, type TestChain } from "../harness/anvil.ts";
import { runOlnode } from "../harness/runOlnode.ts";
import { makeTempDir } from "../harness/tempDir.ts";

const dir = makeTempDir("olnode-deploy-e2e-");
let chain: TestChain;
afterAll(() => chain?.stop());

function olnode(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE") && k !== "DATABASE_URL"),
  );
  return runOlnode(args, { ...clean, OLNODE__DATA_DIR: join(dir, "data"), ...env });
}

async function keystore(name: string, key: Hex): Promise<string[]> {
  const file = join(dir, `${name}.json`);
  writeSecretFile(file, JSON.stringify(await encryptKeystore(key, "pw", { n: 4096 })));
  const pw = join(dir, `${name}.pw`);
  writeFileSync(pw, "pw\n", { mode: 0o600 });
  return ["--keystore", file, "--password-file", pw];
}

describe("olnode deploy (as a process, against a real anvil)", () => {
  const deployerKey = generatePrivateKey();
  const deployer = privateKeyToAccount(deployerKey).address;
  const out = join(dir, "deployment.json");
  const progress = join(dir, "deployment.progress.json");
  let args: string[];
  beforeAll(async () => {
    chain = await startTestChain();
    await chain.testClient.setBalance({ address: deployer, value: 10n ** 21n });
    args = ["deploy", "--rpc", chain.rpcUrl, "--out", out, ...(await keystore("deployer", deployerKey))];
  });
  const nonce = () => chain.publicClient.getTransactionCount({ address: deployer });
  const steps = () => JSON.parse(readFileSync(progress, "utf8")).steps as Record<string, { status: string }>;

  it("is killed mid-deploy twice, resumes each time without sending anything twice, and verifies", async () => {
    // Killed after signing the third contract's creation, before broadcasting it.
    const a = await olnode(args, { OLNODE_TEST_CRASH_AT: "deploy:signed:deploy:attributionLedger" });
    expect(a.signal, a.stderr).toBe("SIGKILL");
    expect(steps()["deploy:modelRegistry"]!.status).toBe("done");
    expect(steps()["deploy:attributionLedger"]!.status).toBe("sent");
    expect(await nonce()).toBe(2);

    // Killed right after broadcasting the first wiring call, before recording it as mined.
    const b = await olnode(args, {
      OLNODE_TEST_CRASH_AT: "deploy:sent:wire:datanetRegistry.setEpochManager",
    });
    expect(b.signal, b.stderr).toBe("SIGKILL");
    // The signed-but-never-broadcast creation was broadcast from its record, then counted done.
    expect(b.stdout).toContain("resuming: 3 of 9 steps already done");
    expect(steps()["wire:datanetRegistry.setEpochManager"]!.status).toBe("sent");

    const c = await olnode([...args, "--json"]);
    expect(c.code, c.stderr).toBe(0);
    const result = JSON.parse(c.stdout);
    expect(result.status).toBe("deployed");
    // 5 creations, 3 wiring calls, 1 funding transfer: each nonce used exactly once across three runs.
    expect(await nonce()).toBe(9);
    expect(Object.values(steps()).every((s) => s.status === "done")).toBe(true);

    const a_ = result.addresses as Record<string, Address>;
    const read = (address: Address, abi: readonly unknown[], functionName: string) =>
      chain.publicClient.readContract({ address, abi: abi as never, functionName } as never);
    expect(await read(a_.datanetRegistry!, datanetRegistryAbi, "epochManager")).toBe(a_.epochManager);
    expect(await read(a_.attributionLedger!, attributionLedgerAbi, "validatorPool")).toBe(
      a_.pointsDistributor,
    );
    expect(await read(a_.attributionLedger!, attributionLedgerAbi, "epochManager")).toBe(a_.epochManager);
    expect(await read(a_.epochManager!, epochManagerAbi, "epochLength")).toBe(
      defaultDeployParams.epochLength,
    );
    expect(await read(a_.pointsDistributor!, pointsDistributorAbi, "owner")).toBe(deployer);
    expect(await chain.publicClient.getBalance({ address: a_.pointsDistributor! })).toBe(
      defaultDeployParams.distributorFunding,
    );

    // The node and the indexer read the file through contracts.deploymentFile.
    const config = loadConfig({ env: { OLNODE__CONTRACTS__DEPLOYMENT_FILE: out } });
    expect(config.contracts).toMatchObject({ ...a_, startBlock: result.startBlock });
    const first = await chain.publicClient.getTransactionReceipt({
      hash: JSON.parse(readFileSync(progress, "utf8")).steps["deploy:datanetRegistry"].hash,
    });
    expect(BigInt(result.startBlock)).toBe(first.blockNumber);
  });

  it("does nothing on a second run after success, and says so", async () => {
    const before = await nonce();
    const r = await olnode(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("nothing to do");
    expect(await nonce()).toBe(before);
  });

  it("refuses a deployment file for another chain", async () => {
    const other = join(dir, "other.json");
    const file = JSON.parse(readFileSync(out, "utf8"));
    writeFileSync(other, JSON.stringify({ ...file, chainId: 161201 }));
    writeFileSync(join(dir, "other.progress.json"), readFileSync(progress));
    const r = await olnode(["deploy", ...args.slice(1, 3), "--out", other, ...args.slice(5)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is for chain 161201, but the RPC is on chain 31337");
  });

  it("refuses to start without the funds, saying how much is needed, and sends nothing", async () => {
    const poorKey = generatePrivateKey();
    const poor = privateKeyToAccount(poorKey).address;
    await chain.testClient.setBalance({ address: poor, value: 10n ** 15n });
    const r = await olnode([
      "deploy",
      "--rpc",
      chain.rpcUrl,
      "--out",
      join(dir, "poor-deployment.json"),
      ...(await keystore("poor", poorKey)),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds 0\.001 OPEN but needs about \d+(\.\d+)? OPEN/);
    expect(r.stderr).toMatch(/Send at least [\d.]+ OPEN to 0x/i);
    expect(await chain.publicClient.getTransactionCount({ address: poor })).toBe(0);
  });

  it("detects a recorded contract whose code was replaced", async () => {
    const { addresses } = JSON.parse(readFileSync(out, "utf8"));
    // Another contract's runtime code at the EpochManager's address.
    await chain.testClient.setCode({
      address: addresses.epochManager,
      bytecode: modelRegistryDeployedBytecode,
    });
    const r = await olnode(args);
    expect(r.code).toBe(1);
    expect(r.stderr.toLowerCase()).toContain(`epochmanager at ${addresses.epochManager.toLowerCase()}`);
    expect(r.stderr).toContain("its code is not the compiled epochManager");
  });

  it("says the RPC is down, sending nothing", async () => {
    const r = await olnode(["deploy", "--rpc", "http://127.0.0.1:9", "--out", join(dir, "x.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not answer");
  });
});
