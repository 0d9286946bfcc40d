import { sql } from "kysely";
import { Migrator } from "kysely/migration";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../../config/common/createCommon.ts";
import { RetryableError } from "../../../config/errors/BaseError.ts";
import { allocatePort, releasePort } from "../../../config/services/allocatePort.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/harness/postgres.ts";
import { notYet, waitFor } from "../../../test/harness/waitFor.ts";
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
      // Waited for, not slept on: the killed backends have exited (each wrote its FATAL and closed first), and
      // the poll phase that delivers those closes to the pool's clients has run.
      await waitFor("the killed backends to exit", async () => {
        const { rows } = await admin.query(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()",
        );
        return rows[0].n === 0 || notYet("no other backend on the database", rows[0].n);
      });
      await new Promise((r) => setImmediate(r));
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      expect(rows[0]!.one).toBe(1);
    } finally {
      await admin.end();
    }
  });

  it("starts on a database an older build left behind, moving its retired task states on", async () => {
    const OLD = "olnode_worker_old";
    const old = createWorkerDb({ databaseUrl: database.url, schema: OLD });
    try {
      // The schema as the build before migration 0003 left it, with a row in each retired state.
      await sql`create schema ${sql.id(OLD)}`.execute(old);
      const { "0001_tasks": m1, "0002_tx": m2 } = workerMigrations;
      const migrator = new Migrator({
        db: old.withSchema(OLD),
        migrationTableSchema: OLD,
        provider: { getMigrations: async () => ({ "0001_tasks": m1!, "0002_tx": m2! }) },
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      await sql`insert into ${sql.id(OLD, "tasks")} (epoch, kind, subject_id, status, tx_key)
        values (1, '0', '1', 'validating', 'k1'), (1, '0', '2', 'submitted', 'k2'), (1, '0', '3', 'confirmed', null)`.execute(
        old,
      );

      expect(await migrateWorkerDb(old, OLD)).toEqual({ applied: ["0003_task_states", "0004_include_by"] });
      const rows = await old
        .selectFrom("tasks")
        .select(["subject_id", "status"])
        .orderBy("subject_id")
        .execute();
      expect(rows).toEqual([
        { subject_id: "1", status: "pending" },
        { subject_id: "2", status: "submitting" },
        { subject_id: "3", status: "confirmed" },
      ]);
      const columns = await sql<{ column_name: string }>`
        select column_name from information_schema.columns where table_schema = ${OLD} and table_name = 'tasks'`.execute(
        old,
      );
      expect(columns.rows.map((c) => c.column_name)).not.toContain("tx_key");
      expect(columns.rows.map((c) => c.column_name)).not.toContain("not_before");
      await expect(
        old
          .updateTable("tasks")
          .set({ status: "validating" as never })
          .execute(),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await old.destroy();
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
