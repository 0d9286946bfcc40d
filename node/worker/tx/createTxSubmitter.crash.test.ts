import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createTestCommon } from "../../../config/common/createCommon.ts";
import {
  startTxSubmitterFixture,
  type TxSubmitterFixture,
} from "../../../test/fixtures/txSubmitterFixture.ts";
import { ANVIL_KEYS } from "../../../test/harness/anvil.ts";
import { createTxSubmitter, type TxStep } from "./createTxSubmitter.ts";

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
  let f: TxSubmitterFixture;
  beforeAll(async () => {
    f = await startTxSubmitterFixture();
  });
  afterAll(async () => {
    await f?.stop();
  });

  it.for(CASES.map((c, i) => ({ ...c, accountIndex: i + 1 })))(
    "crash at $step, restart with the same key: one transaction, intent confirmed",
    async ({ step, nonceAfterCrash, statusAfterCrash, accountIndex }, { expect }) => {
      const { chain, db, token } = f;
      const account = chain.accounts[accountIndex]!;
      const key = `attest:9:contribution:${step}`;
      const env = {
        OLNODE_TX_DATABASE_URL: f.database.url,
        OLNODE_TX_RPC_URL: chain.rpcUrl,
        OLNODE_TX_PRIVATE_KEY: ANVIL_KEYS[accountIndex]!,
        OLNODE_TX_KEY: key,
        OLNODE_TX_TO: token,
        OLNODE_TX_DATA: f.transfer(0n),
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
      const logs = await f.transfersFrom(account.address);
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
