import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isRetryable } from "../../../config/errors/BaseError.ts";
import type { IndexerViews } from "../../../indexer/indexerViews.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/harness/postgres.ts";
import { createIndexerSubjectSource } from "./createIndexerSubjectSource.ts";
import { IndexerViewsMissingError } from "./mapViewsError.ts";

let database: TestDatabase | undefined;
let db: Kysely<IndexerViews> | undefined;
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe("createIndexerSubjectSource before the indexer has made its views", () => {
  it("rejects with a retryable error that says to start the indexer", async () => {
    database = await createTestDatabase();
    db = new Kysely<IndexerViews>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: database.url, options: "-c search_path=olnode_absent" }),
      }),
    });
    const source = createIndexerSubjectSource(db);
    const error = await source.openSubjects(10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IndexerViewsMissingError);
    expect(isRetryable(error)).toBe(true);
    expect((error as IndexerViewsMissingError).message).toContain("olnode indexer");
    // indexedBlock already answers "unknown" rather than failing.
    expect(await source.indexedBlock()).toBeUndefined();
  });
});
