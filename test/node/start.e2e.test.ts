import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { startTestChain, type TestChain } from "../harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { WaitForAbort, waitFor } from "../harness/waitFor.ts";

const entry = new URL("../../node/cli/olnode.ts", import.meta.url).pathname;
const dir = makeTempDir("olnode-start-e2e-");
let chain: TestChain | undefined;
let db: TestDatabase | undefined;
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await chain?.stop();
  await db?.drop();
});

describe("olnode start (as a process, configured only through env)", () => {
  it("unlocks the keystore, follows the chain, registers its worker, serves HTTP, and stops on SIGTERM", async () => {
    chain = await startTestChain();
    db = await createTestDatabase();
    const { addresses, deploymentBlock } = await deployContracts({
      walletClient: chain.walletClient() as never,
      publicClient: chain.publicClient,
    });
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE") && k !== "DATABASE_URL"),
    );
    const passwordFile = join(dir, "password");
    writeFileSync(passwordFile, "start-e2e-password\n", { mode: 0o600 });
    const httpPort = await allocatePort();
    const env: Record<string, string> = {
      ...clean,
      OLNODE__NETWORK: "devnet",
      OLNODE__DATA_DIR: join(dir, "data"),
      OLNODE__CHAIN__L2_RPC_URL: chain.rpcUrl,
      OLNODE__CHAIN__POLLING_INTERVAL_MS: "200",
      OLNODE__DATABASE__URL: db.url,
      OLNODE__CONTRACTS__DATANET_REGISTRY: addresses.datanetRegistry,
      OLNODE__CONTRACTS__MODEL_REGISTRY: addresses.modelRegistry,
      OLNODE__CONTRACTS__ATTRIBUTION_LEDGER: addresses.attributionLedger,
      OLNODE__CONTRACTS__EPOCH_MANAGER: addresses.epochManager,
      OLNODE__CONTRACTS__POINTS_DISTRIBUTOR: addresses.pointsDistributor,
      OLNODE__CONTRACTS__START_BLOCK: String(deploymentBlock),
      OLNODE__WORKER__PASSWORD_FILE: passwordFile,
      OLNODE__P2P__LISTEN: "/ip4/127.0.0.1/tcp/0",
      OLNODE__HTTP__PORT: String(httpPort),
      OLNODE__LOG__FORMAT: "json",
      OLNODE_KEYSTORE_SCRYPT_N: "4096",
    };
    // A fresh operator key, funded for its stake and gas.
    const made = spawnSync(process.execPath, [entry, "keys", "new"], { env, encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const operator = JSON.parse(made.stdout).address as `0x${string}`;
    await chain.testClient.setBalance({ address: operator, value: 10n ** 20n });

    let logs = "";
    child = spawn(process.execPath, [entry, "start"], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (logs += d));
    child.stderr!.on("data", (d) => (logs += d));
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    const base = `http://127.0.0.1:${httpPort}`;
    const alive = () => {
      if (child!.exitCode !== null) throw new WaitForAbort(`olnode start exited:\n${logs}`);
    };

    await waitFor("/health", async () => {
      alive();
      return (await fetch(`${base}/health`)).ok;
    });
    const registered = await waitFor("the worker's on-chain registration", async () => {
      alive();
      const w = await chain!.publicClient.readContract({
        address: addresses.epochManager,
        abi: epochManagerAbi,
        functionName: "getWorker",
        args: [operator],
      });
      return w.registered ? w : undefined;
    });
    const status = (await (await fetch(`${base}/status`)).json()) as {
      chain: { connected: boolean; head: { number: string } };
      p2p: { peerId: string };
      worker: { address: string; registered: boolean };
    };
    expect(status.chain.connected).toBe(true);
    expect(status.worker.address.toLowerCase()).toBe(operator.toLowerCase());
    // The peer id registered on-chain is the node's libp2p identity.
    expect(registered.peerId).toBe(status.p2p.peerId);
    // Alone (no peers, no indexer) the node is live but not ready, and says why.
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain("no p2p peers");
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("olnode_chain_head_block");
    // What the alert rules (docker/prometheus/alerts.yml) read: readiness and the gas account's balance.
    expect(metrics).toMatch(/^olnode_ready 0$/m);
    expect(metrics).toContain('olnode_ready_check{check="p2p"} 0');
    const balance = Number(/^olnode_worker_balance_open (\S+)$/m.exec(metrics)?.[1]);
    expect(balance).toBeGreaterThan(0);
    expect(balance).toBeLessThanOrEqual(100); // funded with 100 OPEN, less the stake and gas once registered
    expect(logs).not.toContain("start-e2e-password");

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses to start without a database URL, naming the setting", () => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE") && k !== "DATABASE_URL"),
    );
    const r = spawnSync(process.execPath, [entry, "start"], {
      env: { ...clean, OLNODE__DATA_DIR: join(dir, "none") },
      encoding: "utf8",
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("database.url");
    expect(r.stderr).toContain("OLNODE__DATABASE__URL");
  });
});
