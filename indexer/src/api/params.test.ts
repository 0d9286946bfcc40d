import { describe, expect, it } from "vitest";
import { isHttpError } from "./httpError.ts";
import { cursorInt, decodeCursor, encodeCursor, toJson } from "./params.ts";

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (isHttpError(error)) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected an HttpError");
}

describe("cursors", () => {
  it("round-trip and refuse forged ones", () => {
    const cursor = encodeCursor([12n, "0xab"]);
    expect(decodeCursor(cursor, 2)).toEqual(["12", "0xab"]);
    for (const bad of [
      "!!",
      "e30",
      encodeCursor(["1"]),
      Buffer.from("{}").toString("base64url"),
      "x".repeat(600),
    ]) {
      expect(errorOf(() => decodeCursor(bad, 2))).toMatchObject({ status: 400, code: "INVALID_CURSOR" });
    }
    expect(errorOf(() => cursorInt("1; drop table"))).toMatchObject({ code: "INVALID_CURSOR" });
  });
});

describe("toJson", () => {
  it("writes bigints as strings", () => {
    expect(toJson({ a: 2n ** 200n, b: [1n] })).toBe(`{"a":"${2n ** 200n}","b":["1"]}`);
  });
});
