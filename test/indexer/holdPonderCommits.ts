import pg from "pg";
import { notYet, waitFor } from "../harness/waitFor.ts";

export type PonderCommitHold = {
  /** Waits until one of the indexer's transactions is queued behind the hold: a batch about to commit. */
  waitForQueuedCommit(): Promise<void>;
  /**
   * Lets the queued transactions commit, and holds again before any later one can: a second connection queues
   * for the lock behind them before the first lets go (Postgres grants a lock in queue order).
   */
  letQueuedThrough(): Promise<void>;
  /** Lets everything through and closes the connections. */
  release(): Promise<void>;
};

type Connection = { client: pg.Client; pid: number };

async function connect(databaseUrl: string): Promise<Connection> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
  return { client, pid: rows[0]!.pid };
}

/**
 * Holds a Ponder app's commits: an EXCLUSIVE lock on its `_ponder_checkpoint` table, which every batch of the
 * backfill writes last, inside its transaction. While held, no batch commits (reads go on), so a test can
 * stop the backfill between two batches of its choosing instead of guessing when with a sleep.
 */
export async function holdPonderCommits(databaseUrl: string, schema: string): Promise<PonderCommitHold> {
  const table = `"${schema}"."_ponder_checkpoint"`;
  const observer = await connect(databaseUrl);
  const ours = new Set<number>([observer.pid]);
  const queued = async () => {
    const { rows } = await observer.client.query<{ pid: number }>(
      "select pid from pg_locks where locktype = 'relation' and relation = to_regclass($1) and not granted",
      [table],
    );
    return rows.map((r) => r.pid);
  };
  const lock = async (c: Connection) => {
    await c.client.query("begin");
    await c.client.query(`lock table ${table} in exclusive mode`);
  };
  await waitFor(`Ponder to create ${table}`, async () => {
    const { rows } = await observer.client.query("select to_regclass($1) as t", [table]);
    return rows[0].t !== null;
  });
  let holder = await connect(databaseUrl);
  ours.add(holder.pid);
  await lock(holder);
  return {
    async waitForQueuedCommit() {
      await waitFor("an indexer transaction queued behind the hold", async () => {
        const pids = await queued();
        return pids.some((p) => !ours.has(p)) || notYet("a queued transaction not of the hold", pids);
      });
    },
    async letQueuedThrough() {
      const next = await connect(databaseUrl);
      ours.add(next.pid);
      const locked = lock(next);
      await waitFor("the hold's next connection queued", async () => (await queued()).includes(next.pid));
      await holder.client.query("commit");
      await holder.client.end();
      await locked;
      holder = next;
    },
    async release() {
      await holder.client.query("commit").catch(() => undefined);
      await holder.client.end().catch(() => undefined);
      await observer.client.end().catch(() => undefined);
    },
  };
}
