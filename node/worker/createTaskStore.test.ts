import { keccak256 } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/harness/postgres.ts";
import { createTaskStore } from "./createTaskStore.ts";
import { createWorkerDb, type WorkerDb } from "./db/createWorkerDb.ts";
import { migrateWorkerDb } from "./db/migrateWorkerDb.ts";

let database: TestDatabase | undefined;
let db: WorkerDb | undefined;
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe("task store (real Postgres)", () => {
  it("creates each task once, keeps report bytes exact, and expires past epochs", async () => {
    database = await createTestDatabase();
    db = createWorkerDb({ databaseUrl: database.url, schema: "olnode_worker" });
    await migrateWorkerDb(db, "olnode_worker");
    const tasks = createTaskStore(db);
    const key = { epoch: 3n, kind: 0 as const, subjectId: 2n ** 200n };
    expect(await tasks.ensure(key)).toBe(true);
    expect(await tasks.ensure(key)).toBe(false);
    expect((await tasks.get(key))!.status).toBe("pending");

    // Canonical JSON whose key order and spacing jsonb would normalise away, with a NUL escape in it.
    const report = new TextEncoder().encode('{"z":1,"a":"x\\u0000y","m":[2,1]}');
    await tasks.update(key, {
      status: "ready",
      verdict: 2,
      score: 4200,
      report,
      reportHash: keccak256(report),
    });
    const got = (await tasks.get(key))!;
    expect(Buffer.from(got.report!).equals(Buffer.from(report))).toBe(true);
    expect(keccak256(got.report!)).toBe(got.reportHash);
    expect(got).toMatchObject({ verdict: 2, score: 4200, status: "ready", subjectId: 2n ** 200n });

    await tasks.update(key, { error: "revert data with a NUL \u0000 byte" });
    expect((await tasks.get(key))!.error).toContain("NUL");

    const other = { epoch: 4n, kind: 1 as const, subjectId: 1n };
    await tasks.ensure(other);
    // A past task that may have sent its attestation is left for its transaction to settle, not expired.
    const sent = { epoch: 3n, kind: 1 as const, subjectId: 7n };
    await tasks.ensure(sent);
    await tasks.update(sent, { status: "submitting" });
    expect(await tasks.expireBefore(4n)).toBe(1);
    expect((await tasks.get(key))!.status).toBe("expired");
    expect((await tasks.sentBefore(4n)).map((t) => [t.subjectId, t.status])).toEqual([[7n, "submitting"]]);
    expect(await tasks.sentBefore(3n)).toEqual([]);
    expect((await tasks.get(other))!.status).toBe("pending");
    expect(await tasks.counts(4n)).toEqual({ pending: 1 });
    expect((await tasks.list(4n, ["pending"])).map((t) => t.subjectId)).toEqual([1n]);
  });
});
