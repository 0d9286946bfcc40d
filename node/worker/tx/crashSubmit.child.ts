/**
 * Test-only: one submit in its own process, killed with SIGKILL at the step named by OLNODE_TX_CRASH_AT.
 * createTxSubmitter.crash.test.ts runs it once per step, then finishes the same key with a fresh submitter.
 */
import { createPublicClient, defineChain, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { chainConfig } from "viem/op-stack";
import { createCommon } from "../../../config/common/createCommon.ts";
import { createWorkerDb } from "../db/createWorkerDb.ts";
import { migrateWorkerDb } from "../db/migrateWorkerDb.ts";
import { createTxSubmitter } from "./createTxSubmitter.ts";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const schema = "olnode_worker";
const crashAt = process.env.OLNODE_TX_CRASH_AT;
const chain = defineChain({
  ...chainConfig,
  id: 31337,
  name: "anvil",
  nativeCurrency: { name: "OPEN", symbol: "OPEN", decimals: 18 },
  rpcUrls: { default: { http: [env("OLNODE_TX_RPC_URL")] } },
});
const common = createCommon({ name: "crash-child", level: "silent", format: "json", defaultMetrics: false });
const db = createWorkerDb({ databaseUrl: env("OLNODE_TX_DATABASE_URL"), schema });
await migrateWorkerDb(db, schema);
const submitter = createTxSubmitter(common, {
  db,
  publicClient: createPublicClient({
    chain,
    transport: http(env("OLNODE_TX_RPC_URL"), { retryCount: 0 }),
    cacheTime: 0,
  }) as PublicClient,
  account: privateKeyToAccount(env("OLNODE_TX_PRIVATE_KEY") as Hex),
  chain,
  confirmations: 1,
  pollingIntervalMs: 20,
  onStep(step) {
    if (step === crashAt) process.kill(process.pid, "SIGKILL");
  },
});
const outcome = await submitter.submit({
  key: env("OLNODE_TX_KEY"),
  to: env("OLNODE_TX_TO") as Hex,
  data: env("OLNODE_TX_DATA") as Hex,
});
process.stdout.write(
  `${JSON.stringify({ status: outcome.status, hash: outcome.status === "confirmed" ? outcome.hash : undefined })}\n`,
);
await db.destroy();
