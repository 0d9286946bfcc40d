import { Writable } from "node:stream";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../test/harness/waitFor.ts";
import { createLogger } from "../common/createLogger.ts";
import { createDatabase } from "./createDatabase.ts";
import { handlePgErrors } from "./handlePgErrors.ts";
import { launchPostgres } from "./launchPostgres.ts";

/** A logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: "debug", format: "json", destination }) };
}

describe("handlePgErrors (real Postgres shut down under open connections)", () => {
  it("survives a fast shutdown (57P01) with a pooled client checked out and idle, an idle one, and a lone client", async () => {
    const server = await launchPostgres({ ephemeral: true });
    const { lines, logger } = capturingLogger();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const database = await createDatabase({ serverUrl: server.url, prefix: "pgerrors", logger });
      const pool = new pg.Pool({ connectionString: database.url, max: 3 });
      handlePgErrors(pool, logger, "Test pool");
      const lone = new pg.Client({ connectionString: database.url });
      handlePgErrors(lone, logger, "Test client");
      await lone.connect();
      // Checked out, no query running: pg-pool does not listen on such a client itself.
      const checkedOut = await pool.connect();
      await checkedOut.query("select 1");
      const idle = await pool.connect();
      idle.release();

      // Waited for, not slept on: each connection told why and its socket closed after it.
      const ended = (client: pg.Client) => new Promise((resolve) => client.once("end", resolve));
      const closed = Promise.all([ended(lone), ended(checkedOut as unknown as pg.Client)]);

      await server.stop(); // SIGINT: Postgres' fast shutdown terminates every backend with 57P01

      const lost = () => lines.filter((l) => String(l.msg).endsWith("connection lost"));
      await closed;
      await waitFor("the shutdown logged by all three connections and the pool emptied", () =>
        lost().filter((l) => l.code === "57P01").length >= 3 && pool.idleCount === 0 ? true : undefined,
      );
      await new Promise((r) => setImmediate(r));
      expect(uncaught).toEqual([]);
      // Each of the three connections was told why (57P01, admin shutdown)...
      expect(lost().filter((l) => l.code === "57P01").length).toBeGreaterThanOrEqual(3);
      expect(lost().every((l) => l.level === 20)).toBe(true);
      checkedOut.release(true);
      await pool.end().catch(() => undefined);
      await lone.end().catch(() => undefined);
    } finally {
      process.off("uncaughtException", onUncaught);
      await server.stop();
    }
  });
});
