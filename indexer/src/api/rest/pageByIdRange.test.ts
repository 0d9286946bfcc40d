import { eq, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { datanet } from "../../../ponder.schema.ts";
import { isHttpError } from "../httpError.ts";
import type { RestDb } from "./defineRoute.ts";
import { pageByIdRange } from "./pageByIdRange.ts";
import { decodeCursor, encodeCursor } from "./queryParams.ts";

/** A read client that answers the list's query with `rows` and records what it was asked. */
function recordingDb(rows: { id: bigint }[]) {
  const asked: { where?: SQL; limit?: number; queries: number } = { queries: 0 };
  const builder = (main: boolean): object => ({
    from: () => builder(main),
    where: (where: SQL) => {
      if (main) asked.where = where;
      return builder(main);
    },
    orderBy: () => builder(main),
    limit: (n: number) => {
      if (main) {
        asked.limit = n;
        asked.queries++;
        return Promise.resolve(rows.slice(0, n));
      }
      return builder(main);
    },
  });
  const db = { select: (fields?: object) => builder(fields === undefined) } as unknown as RestDb;
  return { db, asked };
}

const columns = { id: datanet.id, block: datanet.createdBlock, time: datanet.createdAt };
const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: BigInt(i + 1) }));
const render = (where: SQL | undefined) => (where ? new PgDialect().sqlToQuery(where) : undefined);

describe("pageByIdRange", () => {
  it("reads one row more than the page and hands out the last item's id as the next cursor", async () => {
    const { db, asked } = recordingDb(ids(10));
    const page = await pageByIdRange(db, { table: datanet, columns, query: { limit: 3 } });
    expect(asked.limit).toBe(4);
    expect(page.items.map((r) => r.id)).toEqual([1n, 2n, 3n]);
    expect(decodeCursor(page.nextCursor!, 1)).toEqual(["3"]);
  });

  it("ends the list with a null cursor", async () => {
    const { db } = recordingDb(ids(2));
    const page = await pageByIdRange(db, { table: datanet, columns, query: { limit: 2 } });
    expect(page).toEqual({ items: ids(2), nextCursor: null });
  });

  it("puts the route's filter and the cursor in the statement's WHERE", async () => {
    const { db, asked } = recordingDb([]);
    const owner = "0x00000000000000000000000000000000000000aa";
    await pageByIdRange(db, {
      table: datanet,
      columns,
      query: { cursor: encodeCursor([7n]), order: "desc" },
      where: eq(datanet.owner, owner),
    });
    const sql = render(asked.where)!;
    expect(sql.sql).toMatch(/"owner" = \$1.*"id" < \$2/);
    expect(sql.params).toEqual([owner, 7n]);
  });

  it("has no WHERE for an unfiltered first page", async () => {
    const { db, asked } = recordingDb([]);
    await pageByIdRange(db, { table: datanet, columns, query: {} });
    expect(asked.where).toBeUndefined();
    expect(asked.limit).toBe(26);
  });

  it("refuses a forged cursor or a reversed range before any query", async () => {
    for (const query of [
      { cursor: encodeCursor(["x"]) },
      { cursor: encodeCursor([1n, 2n]) },
      { fromBlock: 9n, toBlock: 3n },
    ]) {
      const { db, asked } = recordingDb(ids(3));
      const error = await pageByIdRange(db, { table: datanet, columns, query }).catch((e: unknown) => e);
      expect(isHttpError(error) && error.status).toBe(400);
      expect(asked.queries).toBe(0);
    }
  });
});
