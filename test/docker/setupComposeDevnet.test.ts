import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/loadConfig.ts";
import { setupComposeDevnet } from "../../node/devnet/setupComposeDevnet.ts";
import { decryptKeystore, readKeystoreFile } from "../../node/keys/keystore.ts";
import { readPasswordFile } from "../../node/keys/readPassword.ts";
import { startTestChain, type TestChain } from "../harness/anvil.ts";
import { REPO_DIR } from "./composeConfig.ts";

const ANVIL_OPERATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("node/devnet/setupComposeDevnet.ts (the compose devnet profile's setup) against a real anvil", () => {
  let chain: TestChain;
  let out: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "olnode-devnet-setup-"));
    chain = await startTestChain();
  });
  afterAll(async () => {
    await chain?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it("deploys the contracts and writes a deployment file the config loader reads", async () => {
    const result = await setupComposeDevnet({ rpcUrl: chain.rpcUrl, outDir: out });
    expect(result.deployed).toBe(true);
    const config = loadConfig({
      env: {
        OLNODE__NETWORK: "devnet",
        L2_RPC_URL: chain.rpcUrl,
        OLNODE__CONTRACTS__DEPLOYMENT_FILE: result.deploymentFile,
      },
    });
    const addresses = [
      config.contracts.datanetRegistry,
      config.contracts.modelRegistry,
      config.contracts.attributionLedger,
      config.contracts.epochManager,
      config.contracts.pointsDistributor,
    ];
    for (const address of addresses) {
      expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
      const code = await chain.publicClient.getCode({ address: address as `0x${string}` });
      expect(code?.length ?? 0).toBeGreaterThan(2);
    }
    expect(config.contracts.startBlock).toBeGreaterThan(0);
    expect(config.sources["contracts.datanetRegistry"]).toContain("file");
  });

  it("writes per node a 0600 operator keystore that opens with its password file, and a libp2p identity", async () => {
    const { privateKeyToAddress } = await import("viem/accounts");
    const operators: string[] = [];
    for (const node of ["node-1", "node-2"]) {
      const keystoreFile = join(out, node, "operator.json");
      const passwordFile = join(out, node, "operator.password");
      for (const file of [keystoreFile, passwordFile, join(out, node, "identity.key")])
        expect(statSync(file).mode & 0o777, file).toBe(0o600);
      const key = await decryptKeystore(readKeystoreFile(keystoreFile), readPasswordFile(passwordFile));
      operators.push(privateKeyToAddress(key));
    }
    expect(operators[0]).toBe(ANVIL_OPERATOR);
    expect(new Set(operators).size).toBe(2);
  });

  it("gives each node a config naming the other nodes by peer id, which the config loader reads", () => {
    const peers = JSON.parse(readFileSync(join(out, "peers.json"), "utf8")) as {
      service: string;
      peerId: string;
      multiaddr: string;
    }[];
    expect(peers.map((p) => p.service)).toEqual(["devnet-node", "devnet-node-2"]);
    for (const [i, peer] of peers.entries()) {
      expect(peer.multiaddr).toBe(`/dns4/${peer.service}/tcp/9100/p2p/${peer.peerId}`);
      const config = loadConfig({
        file: join(out, `node-${i + 1}`, "config.json"),
        env: { OLNODE__NETWORK: "devnet" },
      });
      expect(config.p2p.bootstrap).toEqual(peers.filter((p) => p !== peer).map((p) => p.multiaddr));
      expect(config.p2p.keyFile).toBe(join(out, `node-${i + 1}`, "identity.key"));
      expect(config.worker.keystoreFile).toBe(join(out, `node-${i + 1}`, "operator.json"));
    }
  });

  it("keeps the deployment and the key when run again on the same chain", async () => {
    const before = readFileSync(join(out, "deployment.json"), "utf8");
    const kept = ["node-1/operator.json", "node-2/identity.key", "peers.json"].map((f) =>
      readFileSync(join(out, f), "utf8"),
    );
    const again = await setupComposeDevnet({ rpcUrl: chain.rpcUrl, outDir: out });
    expect(again.deployed).toBe(false);
    expect(readFileSync(join(out, "deployment.json"), "utf8")).toBe(before);
    expect(
      ["node-1/operator.json", "node-2/identity.key", "peers.json"].map((f) =>
        readFileSync(join(out, f), "utf8"),
      ),
    ).toEqual(kept);
  });

  it("deploys again when the chain lost the contracts (a new anvil)", async () => {
    const fresh = await startTestChain();
    try {
      const result = await setupComposeDevnet({ rpcUrl: fresh.rpcUrl, outDir: out });
      expect(result.deployed).toBe(true);
      const deployment = JSON.parse(readFileSync(result.deploymentFile, "utf8"));
      const code = await fresh.publicClient.getCode({ address: deployment.addresses.epochManager });
      expect(code?.length ?? 0).toBeGreaterThan(2);
    } finally {
      await fresh.stop();
    }
  });

  it("as a command: usage without arguments, a clear error when the RPC is down", () => {
    const script = join(REPO_DIR, "node/devnet/setupComposeDevnet.ts");
    const usage = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 60_000 });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("usage:");
    const down = spawnSync(process.execPath, [script, "--rpc", "http://127.0.0.1:1", "--out", out], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain("does not answer");
    expect(down.stderr).toContain("devnet-anvil");
  });
});
