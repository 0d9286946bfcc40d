import { type Kysely, sql } from "kysely";
import { type MigrationResult, Migrator } from "kysely/migration";
import { BaseError, NonRetryableUserError } from "../../../config/errors/BaseError.ts";
import { mapDbError } from "./mapDbError.ts";
import { workerMigrations } from "./workerMigrations.ts";

export type MigrateWorkerDbReturnType = { applied: string[] };

/**
 * Brings the worker schema to the latest migration, creating the schema if missing. Safe to call from two
 * processes at once: a session advisory lock keyed by the schema name serialises them, and the second finds
 * nothing left to do.
 */
export async function migrateWorkerDb<DB>(
  db: Kysely<DB>,
  schema: string,
): Promise<MigrateWorkerDbReturnType> {
  const anyDb = db as unknown as Kysely<unknown>;
  try {
    return await anyDb.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(hashtext(${`olnode_worker_migrate:${schema}`}))`.execute(conn);
      try {
        await sql`create schema if not exists ${sql.id(schema)}`.execute(conn);
        const migrator = new Migrator({
          db: conn.withSchema(schema),
          migrationTableSchema: schema,
          provider: { getMigrations: async () => workerMigrations },
        });
        const { error, results } = await migrator.migrateToLatest();
        const failed = results?.find((r: MigrationResult) => r.status === "Error");
        if (error) {
          const mapped = mapDbError(error);
          if (mapped instanceof BaseError) throw mapped;
          throw new NonRetryableUserError(
            `Migration ${failed?.migrationName ?? "of the worker schema"} failed.`,
            {
              cause: error,
              hint: `Check the database user may create objects in schema "${schema}"; the schema is left at the last good migration.`,
            },
          );
        }
        return {
          applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName),
        };
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${`olnode_worker_migrate:${schema}`}))`
          .execute(conn)
          .catch(() => undefined);
      }
    });
  } catch (error) {
    throw mapDbError(error);
  }
}
