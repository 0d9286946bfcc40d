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
let history: { db: Kysely<IndexerViews>; database: TestDatabase } | undefined;
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
  await history?.db.destroy();
  await history?.database.drop();
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

describe("createIndexerSubjectSource.acceptedContributions at a block", () => {
  it("is the set Accepted at the end of that block, whatever happened to it since or in the next block", async () => {
    const created = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: created.url });
    history = { database: created, db: new Kysely<IndexerViews>({ dialect: new PostgresDialect({ pool }) }) };
    // The indexer's columns the query reads (Ponder's snake_case), nothing more.
    await pool.query(`
      CREATE TABLE datanet (id numeric PRIMARY KEY, format text, max_chunk_bytes integer, owner text);
      CREATE TABLE contribution (id numeric PRIMARY KEY, datanet_id numeric, data_root text, byte_size numeric,
        status text);
      CREATE TABLE contribution_status_change (id text PRIMARY KEY, contribution_id numeric, status text,
        block_number numeric);
      INSERT INTO datanet VALUES (1, 'text', 65536, '0x00'), (2, 'jsonl', 65536, '0x00');`);
    // [id, datanet, current status, status changes as [block, status]…]
    const cases: [number, number, string, [number, string][]][] = [
      [
        1,
        1,
        "accepted",
        [
          [5, "pending"],
          [10, "accepted"],
        ],
      ],
      // Accepted at 10, overridden to rejected at 20: part of block 15's corpus, not of block 25's.
      [
        2,
        1,
        "rejected",
        [
          [5, "pending"],
          [10, "accepted"],
          [20, "rejected"],
        ],
      ],
      // Accepted in block 16, the block after the corpus block: never part of block 15's corpus.
      [
        3,
        1,
        "accepted",
        [
          [5, "pending"],
          [16, "accepted"],
        ],
      ],
      // Rejected, then accepted by the owner in the same block 12 (the later event wins).
      [
        4,
        2,
        "accepted",
        [
          [5, "pending"],
          [12, "rejected"],
          [12, "accepted"],
        ],
      ],
      // Another model's Datanet.
      [
        5,
        3,
        "accepted",
        [
          [5, "pending"],
          [6, "accepted"],
        ],
      ],
      // Accepted at 10, rejected at 15 itself: not in block 15's corpus.
      [
        6,
        1,
        "rejected",
        [
          [5, "pending"],
          [10, "accepted"],
          [15, "rejected"],
        ],
      ],
    ];
    let n = 0;
    for (const [id, datanet, status, changes] of cases) {
      await pool.query("INSERT INTO contribution VALUES ($1, $2, $3, 1, $4)", [
        id,
        datanet,
        `0x${id}`,
        status,
      ]);
      for (const [block, s] of changes) {
        // Ponder's event ids sort in chain order; these do too.
        n++;
        const eventId = `${String(block).padStart(8, "0")}-${String(n).padStart(4, "0")}`;
        await pool.query("INSERT INTO contribution_status_change VALUES ($1, $2, $3, $4)", [
          eventId,
          id,
          s,
          block,
        ]);
      }
    }
    const source = createIndexerSubjectSource(history.db);
    const ids = async (atBlock?: bigint) =>
      (await source.acceptedContributions([1n, 2n], atBlock)).map((c) => Number(c.id));
    expect(await ids(15n)).toEqual([1, 2, 4]);
    expect(await ids(14n)).toEqual([1, 2, 4, 6]);
    expect(await ids(16n)).toEqual([1, 2, 3, 4]);
    expect(await ids(25n)).toEqual([1, 3, 4]);
    expect(await ids(9n)).toEqual([]);
    expect(await ids()).toEqual([1, 3, 4]);
  });
});
