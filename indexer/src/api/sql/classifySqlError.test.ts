import { describe, expect, it } from "vitest";
import { classifySqlError } from "./classifySqlError.ts";

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("classifySqlError", () => {
  it("makes the statement's own faults 4xx with Postgres's message, and the database's absence 503", () => {
    expect(classifySqlError(pgError("22012", "division by zero"), 5000)).toEqual({
      status: 400,
      code: "INVALID_QUERY",
      message: "division by zero",
    });
    expect(
      classifySqlError(pgError("22P02", 'invalid input syntax for type integer: "x"'), 5000).status,
    ).toBe(400);
    expect(classifySqlError(pgError("42P01", 'relation "x" does not exist'), 5000).status).toBe(400);
    expect(
      classifySqlError(pgError("25006", "cannot execute X in a read-only transaction"), 5000).status,
    ).toBe(400);
    expect(
      classifySqlError(pgError("57014", "canceling statement due to statement timeout"), 5000),
    ).toMatchObject({ status: 400, code: "STATEMENT_TIMEOUT" });
    expect(
      classifySqlError(pgError("42501", "permission denied for table _ponder_meta"), 5000),
    ).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect(classifySqlError(pgError("53300", "too many connections"), 5000)).toMatchObject({
      status: 503,
      code: "BUSY",
    });
    expect(classifySqlError(new Error("timeout exceeded when trying to connect"), 5000).status).toBe(503);
  });

  it("hides what it does not know behind a 500 without details", () => {
    const reply = classifySqlError(new Error("at /work/indexer/src/api/x.ts:1:2 something broke"), 5000);
    expect(reply).toEqual({ status: 500, code: "INTERNAL", message: "internal error; see the indexer log" });
    expect(classifySqlError("a string", 5000).status).toBe(500);
  });
});
