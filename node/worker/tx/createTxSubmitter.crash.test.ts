import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Address, encodeFunctionData, type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createTestCommon } from "../../../config/common/createCommon.ts";
import { testTokenAbi, testTokenBytecode } from "../../../contracts/generated/testToken.ts";
import { ANVIL_KEYS, startTestChain, type TestChain } from "../../../test/harness/anvil.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/harness/postgres.ts";
import { createWorkerDb, type WorkerDb } from "../db/createWorkerDb.ts";
import { migrateWorkerDb } from "../db/migrateWorkerDb.ts";
import { createTxSubmitter, type TxStep } from "./createTxSubmitter.ts";

const SCHEMA = "olnode_worker";
const CHILD = fileURLToPath(new URL("../../../test/fixtures/crashSubmit.child.ts", import.meta.url));

type ChildResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

function runChild(env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What a crash at each step must leave on-chain: signed-but-unsent is invisible, sent is not. */
const CASES: { step: TxStep; nonceAfterCrash: number; statusAfterCrash: string }[] = [
  { step: "before-sign", nonceAfterCrash: 0, statusAfterCrash: "pending" },
  { step: "after-persist-signed", nonceAfterCrash: 0, statusAfterCrash: "signed" },
  { step: "after-broadcast", nonceAfterCrash: 1, statusAfterCrash: "sent" },
  { step: "after-receipt-before-persist", nonceAfterCrash: 1, statusAfterCrash: "sent" },
];

describe("createTxSubmitter after kill -9", () => {
  let chain: TestChain;
  let database: TestDatabase;
  let db: WorkerDb;
  let token: Address;

  beforeAll(async () => {
    [chain, database] = await Promise.all([startTestChain(), createTestDatabase()]);
    db = createWorkerDb({ databaseUrl: database.url, schema: SCHEMA });
    await migrateWorkerDb(db, SCHEMA);
    const hash = await chain.walletClient().deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: [1n],
      account: chain.accounts[0]!,
      chain: chain.chain,
    });
    token = (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
    await chain?.stop();
  });

  it.for(CASES.map((c, i) => ({ ...c, accountIndex: i + 1 })))(
    "crash at $step, restart with the same key: one transaction, intent confirmed",
    async ({ step, nonceAfterCrash, statusAfterCrash, accountIndex }, { expect }) => {
      const account = chain.accounts[accountIndex]!;
      const key = `attest:9:contribution:${step}`;
      const env = {
        OLNODE_TX_DATABASE_URL: database.url,
        OLNODE_TX_RPC_URL: chain.rpcUrl,
        OLNODE_TX_PRIVATE_KEY: ANVIL_KEYS[accountIndex]!,
        OLNODE_TX_KEY: key,
        OLNODE_TX_TO: token,
        OLNODE_TX_DATA: encodeFunctionData({
          abi: testTokenAbi,
          functionName: "transfer",
          args: ["0x000000000000000000000000000000000000dEaD", 0n],
        }) as Hex,
      };
      const crashed = await runChild({ ...env, OLNODE_TX_CRASH_AT: step });
      expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
      expect(await chain.publicClient.getTransactionCount({ address: account.address })).toBe(
        nonceAfterCrash,
      );
      const left = await db
        .selectFrom("tx_intents")
        .select("status")
        .where("key", "=", key)
        .executeTakeFirst();
      expect(left?.status).toBe(statusAfterCrash);

      // The restart: a submitter sharing nothing with the dead process but the database and the chain. It
      // runs in this process because a second child would only add seconds of module loading.
      const restarted = createTxSubmitter(createTestCommon(), {
        db,
        publicClient: chain.publicClient,
        account,
        chain: chain.chain,
        confirmations: 1,
        pollingIntervalMs: 20,
      });
      const [recovered, result] = await Promise.all([
        restarted.recover(),
        restarted.submit({ key, to: token, data: env.OLNODE_TX_DATA }),
      ]);
      expect(recovered).toMatchObject({ resumed: 1, confirmed: 1 });
      expect(result.status).toBe("confirmed");
      if (result.status !== "confirmed") return;

      expect(await chain.publicClient.getTransactionCount({ address: account.address })).toBe(1);
      const logs = parseEventLogs({
        abi: testTokenAbi,
        eventName: "Transfer",
        logs: await chain.publicClient.getLogs({ address: token, fromBlock: 0n }),
      }).filter((log) => log.args.from.toLowerCase() === account.address.toLowerCase());
      expect(logs).toHaveLength(1);
      expect(logs[0]!.transactionHash).toBe(result.hash);
      const intent = await db
        .selectFrom("tx_intents")
        .selectAll()
        .where("key", "=", key)
        .executeTakeFirstOrThrow();
      expect(intent).toMatchObject({ status: "confirmed", nonce: 0n, mined_hash: result.hash });
    },
  );
});
