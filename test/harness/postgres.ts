import { inject } from "vitest";
import { createDatabase } from "../../config/services/createDatabase.ts";

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

export async function createTestDatabase(prefix = "olnode_test"): Promise<TestDatabase> {
  return createDatabase({ serverUrl: serverUrl(), prefix });
}
