import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../../config/common/createCommon.ts";
import { RetryableError } from "../../../config/errors/BaseError.ts";
import { allocatePort, releasePort } from "../../../config/services/allocatePort.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/harness/postgres.ts";
import { createWorkerDb, type WorkerDb } from "./createWorkerDb.ts";
import { migrateWorkerDb } from "./migrateWorkerDb.ts";
import { workerMigrations } from "./workerMigrations.ts";

const SCHEMA = "olnode_worker";

describe("worker database", () => {
  let database: TestDatabase;
  let db: WorkerDb;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createWorkerDb({ databaseUrl: database.url, schema: SCHEMA, logger: createTestCommon().logger });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("migrates from two processes at once, creating the schema, and a rerun applies nothing", async () => {
    const other = createWorkerDb({ databaseUrl: database.url, schema: SCHEMA });
    try {
      const [a, b] = await Promise.all([migrateWorkerDb(db, SCHEMA), migrateWorkerDb(other, SCHEMA)]);
      const applied = [...a.applied, ...b.applied].sort();
      expect(applied).toEqual(Object.keys(workerMigrations).sort());
      expect(await migrateWorkerDb(db, SCHEMA)).toEqual({ applied: [] });
    } finally {
      await other.destroy();
    }
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${SCHEMA} order by 1`.execute(db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["tasks", "tx_attempts", "tx_intents", "tx_nonces"]),
    );
  });

  it("keeps one task per (epoch, kind, subject) and round-trips its fields", async () => {
    const task = {
      epoch: 7n,
      kind: "contribution",
      subject_id: "115792089237316195423570985008687907853269984665640564039457584007913129639935",
    };
    const inserted = await db
      .insertInto("tasks")
      .values({ ...task, report: JSON.stringify({ ok: true }), score: 900_000n })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(inserted.status).toBe("pending");
    expect(inserted.epoch).toBe(7n);
    expect(inserted.score).toBe(900_000n);
    expect(inserted.report).toEqual({ ok: true });
    await expect(db.insertInto("tasks").values(task).execute()).rejects.toThrow(/duplicate key/);
    await expect(
      db
        .updateTable("tasks")
        .set({ status: "nonsense" as never })
        .where("id", "=", inserted.id)
        .execute(),
    ).rejects.toThrow(/check constraint/);
    // A duplicate is a bug in the caller, not a dropped connection: it must not look retryable.
    await db
      .insertInto("tasks")
      .values(task)
      .execute()
      .catch((error) => expect(error).not.toBeInstanceOf(RetryableError));
  });

  it("maps a terminated backend to a RetryableError, then serves the next query", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const failure = await db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          await admin.query("select pg_terminate_backend($1)", [rows[0]!.pid]);
          await sql`select 1`.execute(trx);
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(RetryableError);
      // Idle pooled connections killed too: the pool's 'error' event must not take the process down.
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      );
      await new Promise((r) => setTimeout(r, 100));
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      expect(rows[0]!.one).toBe(1);
    } finally {
      await admin.end();
    }
  });

  it("rejects with a RetryableError when nothing listens, without crashing", async () => {
    const port = await allocatePort();
    const down = createWorkerDb({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/none`,
      schema: SCHEMA,
    });
    try {
      const error = await sql`select 1`.execute(down).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect((error as RetryableError).meta.code).toBe("ECONNREFUSED");
    } finally {
      await down.destroy();
      releasePort(port);
    }
  });

  it("refuses a schema name that is not a plain identifier", () => {
    expect(() => createWorkerDb({ databaseUrl: database.url, schema: "a; drop" })).toThrow(
      /Invalid worker schema/,
    );
  });
});
