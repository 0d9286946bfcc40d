import type { TestProject } from "vitest/node";
import { launchPostgres, type PostgresProcess } from "../../config/services/launchPostgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One Postgres server for the whole run: DATABASE_URL when set, otherwise an embedded one in a temp dir.
 * Each test file then makes its own database on it (test/harness/postgres.ts).
 */
let server: PostgresProcess | undefined;

export async function setup(project: TestProject) {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    project.provide("databaseUrl", fromEnv);
    return;
  }
  server = await launchPostgres({ ephemeral: true });
  project.provide("databaseUrl", server.url);
}

export async function teardown() {
  await server?.stop();
}
