import { describe, expect, it } from "vitest";
import type { RetryableError } from "../../../config/errors/BaseError.ts";
import { DatabaseUnavailableError, mapDbError } from "./mapDbError.ts";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("mapDbError", () => {
  it.each([
    withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
    withCode("terminating connection due to administrator command", "57P01"),
    withCode("the database system is starting up", "57P03"),
    withCode("connection failure", "08006"),
    withCode("could not serialize access", "40001"),
    new Error("Connection terminated unexpectedly"),
    new AggregateError([withCode("a", "ECONNREFUSED"), withCode("b", "ECONNREFUSED")], ""),
  ])("makes $message retryable", (error) => {
    const mapped = mapDbError(error);
    expect(mapped).toBeInstanceOf(DatabaseUnavailableError);
    expect((mapped as RetryableError).cause).toBe(error);
  });

  it.each([
    withCode('duplicate key value violates unique constraint "tasks_pkey"', "23505"),
    withCode('relation "tasks" does not exist', "42P01"),
    new TypeError("x is not a function"),
    "a string",
  ])("leaves %s as it is", (error) => {
    expect(mapDbError(error)).toBe(error);
  });

  it("does not wrap twice", () => {
    const once = mapDbError(withCode("refused", "ECONNREFUSED"));
    expect(mapDbError(once)).toBe(once);
  });
});
