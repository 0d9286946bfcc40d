import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/**
 * A fresh, empty database on the run's Postgres server (DATABASE_URL, or the embedded server that
 * globalSetup started). Drop it in afterAll with `drop()`.
 */
export type TestDatabase = { url: string; name: string; drop(): Promise<void> };

export function serverUrl(): string {
  const url = process.env.DATABASE_URL ?? inject("databaseUrl");
  if (!url) throw new Error("No Postgres for tests: globalSetup did not run and DATABASE_URL is not set.");
  return url;
}

export function databaseUrl(server: string, database: string): string {
  const u = new URL(server);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(prefix = "olnode_test"): Promise<TestDatabase> {
  const server = serverUrl();
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(server, name),
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
