import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { encryptKeystore, writeSecretFile } from "../../node/keys/keystore.ts";
import { type ContractsFixture, startContractsFixture } from "../harness/deployFixture.ts";
import { runOlnode } from "../harness/runOlnode.ts";
import { makeTempDir } from "../harness/tempDir.ts";

const dir = makeTempDir("olnode-worker-e2e-");
let f: ContractsFixture;
afterAll(() => f?.stop());

let env: Record<string, string>;
const olnode = (args: string[]) => runOlnode(args, env);
const json = async (args: string[]) => {
  const r = await olnode([...args, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe("olnode worker register | status | exit | withdraw (as a process, against a real anvil)", () => {
  const key = generatePrivateKey();
  const operator = privateKeyToAccount(key).address;
  const getWorker = () =>
    f.publicClient.readContract({
      address: f.addresses.epochManager,
      abi: epochManagerAbi,
      functionName: "getWorker",
      args: [operator],
    });
  const nonce = () => f.publicClient.getTransactionCount({ address: operator });

  beforeAll(async () => {
    f = await startContractsFixture({ epochLength: 10n });
    await f.testClient.setBalance({ address: operator, value: 10n ** 19n });
    const keystore = join(dir, "operator.json");
    writeSecretFile(keystore, JSON.stringify(await encryptKeystore(key, "pw", { n: 4096 })));
    const pw = join(dir, "pw");
    writeFileSync(pw, "pw\n", { mode: 0o600 });
    const deployment = join(dir, "deployment.json");
    writeFileSync(
      deployment,
      JSON.stringify({ chainId: f.chainId, startBlock: Number(f.deploymentBlock), addresses: f.addresses }),
    );
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE") && k !== "DATABASE_URL"),
    );
    env = {
      ...clean,
      OLNODE__DATA_DIR: join(dir, "data"),
      OLNODE__CHAIN__L2_RPC_URL: f.rpcUrl,
      OLNODE__CONTRACTS__DEPLOYMENT_FILE: deployment,
      OLNODE__WORKER__KEYSTORE_FILE: keystore,
      OLNODE__WORKER__PASSWORD_FILE: pw,
      OLNODE__P2P__KEY_FILE: join(dir, "identity.key"),
    };
  });

  // First, while the worker is unregistered.
  it("refuses a stake below the minimum and a balance that cannot pay it, sending nothing", async () => {
    const sent = await nonce();
    const low = await olnode(["worker", "register", "--stake", "0.01"]);
    expect(low.code).toBe(1);
    expect(low.stderr).toContain("below the minimum stake of 0.1 OPEN");
    const rich = await olnode(["worker", "register", "--stake", "1000"]);
    expect(rich.code).toBe(1);
    expect(rich.stderr).toMatch(
      /operator 0x[0-9a-fA-F]{40} holds [\d.]+ OPEN but needs about 1000\.\d+ OPEN/,
    );
    expect(await nonce()).toBe(sent);
  });

  it("walks register → status → exit → withdraw, agreeing with the chain's own views", async () => {
    expect((await json(["worker", "status"])).state).toBe("unregistered");

    const withdrawEarly = await olnode(["worker", "withdraw"]);
    expect(withdrawEarly.code).toBe(0);
    expect(withdrawEarly.stdout).toContain("No stake to withdraw");

    const registered = await json(["worker", "register"]);
    expect(registered.action).toBe("register");
    const onChain = await getWorker();
    expect(onChain.registered).toBe(true);
    // worker.stake's default (1 OPEN), what `olnode start` would stake.
    expect(onChain.stake).toBe(10n ** 18n);
    // The peer id is the node's own libp2p identity, the one `keys show` reports.
    const shown = JSON.parse((await olnode(["keys", "show"])).stdout);
    expect(onChain.peerId).toBe(shown.p2p.peerId);
    expect(registered.peerId).toBe(onChain.peerId);
    expect(["pending", "active"]).toContain(registered.state);

    // Idempotent: the same peer id again sends nothing.
    const sent = await nonce();
    const again = await olnode(["worker", "register"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing to do");
    expect(await nonce()).toBe(sent);

    // A new peer id goes through updatePeerId.
    const moved = await json(["worker", "register", "--peer-id", "12D3KooWNewPeerIdForTheSameWorker"]);
    expect(moved.action).toBe("updatePeerId");
    expect((await getWorker()).peerId).toBe("12D3KooWNewPeerIdForTheSameWorker");

    await f.mineToEpoch((await f.currentEpoch()) + 1n);
    const status = await json(["worker", "status"]);
    expect(status).toMatchObject({
      state: "active",
      stake: (10n ** 18n).toString(),
      worker: operator,
      activeFromEpoch: (await getWorker()).activeFromEpoch.toString(),
    });
    const human = await olnode(["worker", "status"]);
    expect(human.stdout).toMatch(/state\s+active/);
    expect(human.stdout).toContain("0.1 OPEN");

    const locked = await olnode(["worker", "withdraw"]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain("has not asked to exit");

    const exited = await json(["worker", "exit"]);
    expect(exited.action).toBe("requestExit");
    const w = await getWorker();
    const genesis = await f.publicClient.readContract({
      address: f.addresses.epochManager,
      abi: epochManagerAbi,
      functionName: "genesisBlock",
    });
    expect(exited.state).toBe("exiting");
    expect(exited.activeUntilEpoch).toBe(w.activeUntilEpoch.toString());
    expect(BigInt(exited.withdrawableFromBlock)).toBe(genesis + w.activeUntilEpoch * 10n);
    expect((await olnode(["worker", "exit"])).stdout).toContain("already requested");

    const sentBefore = await nonce();
    const early = await olnode(["worker", "withdraw"]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`locked until block ${exited.withdrawableFromBlock}`);
    expect(await nonce()).toBe(sentBefore);

    await f.mineToEpoch(w.activeUntilEpoch);
    expect((await json(["worker", "status"])).state).toBe("withdrawable");
    const balance = await f.publicClient.getBalance({ address: operator });
    const withdrawn = await json(["worker", "withdraw"]);
    expect(withdrawn.action).toBe("withdrawStake");
    expect(withdrawn.withdrawn).toBe((10n ** 18n).toString());
    expect((await getWorker()).registered).toBe(false);
    const gained = (await f.publicClient.getBalance({ address: operator })) - balance;
    expect(gained).toBeGreaterThan(0n);
    expect(gained).toBeLessThanOrEqual(10n ** 18n);
    expect((await json(["worker", "status"])).state).toBe("unregistered");
    // A budget, not a speed target: ten olnode processes, each ~10 s to start at load 9 (103 s seen in CI at load 9).
  }, 300_000);
});
