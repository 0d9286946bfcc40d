import { describe, expect, it } from "vitest";
import { isHttpError } from "../httpError.ts";
import { parseParam } from "./mountRoutes.ts";
import {
  addressParam,
  cursorAddress,
  cursorInt,
  decodeCursor,
  encodeCursor,
  enumParam,
  idParam,
  limitParam,
  MAX_LIMIT,
} from "./queryParams.ts";

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (isHttpError(error)) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected an HttpError");
}

describe("parameter schemas", () => {
  it("turn valid text into values", () => {
    expect(parseParam("a", addressParam("x"), "0xAbCdEf0000000000000000000000000000000001")).toBe(
      "0xabcdef0000000000000000000000000000000001",
    );
    expect(parseParam("id", idParam("x"), (2n ** 256n - 1n).toString())).toBe(2n ** 256n - 1n);
    expect(parseParam("limit", limitParam, "100")).toBe(100);
    expect(parseParam("s", enumParam(["a", "b"], "x"), "b")).toBe("b");
  });

  it.each([
    "",
    "0x123",
    "abcdef0000000000000000000000000000000001xx",
    "0xZZcdef0000000000000000000000000000000001",
  ])("refuse address %j naming the parameter and the form", (raw) => {
    const e = errorOf(() => parseParam("owner", addressParam("x"), raw));
    expect(e).toMatchObject({ status: 400, code: "INVALID_ADDRESS" });
    expect(e.message).toMatch(/^owner ".*" is not valid: expected an address: 0x followed by 40 hex digits$/);
  });

  it.each(["-1", "1.5", "01", "abc", "1e3", " 1", (2n ** 256n).toString()])("refuse id %j", (raw) => {
    expect(errorOf(() => parseParam("id", idParam("x"), raw))).toMatchObject({
      status: 400,
      code: "INVALID_ID",
    });
  });

  it.each(["0", "-1", String(MAX_LIMIT + 1), "1000000", "ten", "1.5", ""])("refuse limit %j", (raw) => {
    const e = errorOf(() => parseParam("limit", limitParam, raw));
    expect(e).toMatchObject({ status: 400, code: "INVALID_LIMIT" });
    expect(e.message).toContain(`from 1 to ${MAX_LIMIT}`);
  });

  it("refuse a value not in the enum, listing the allowed ones", () => {
    expect(errorOf(() => parseParam("status", enumParam(["a", "b"], "x"), "c")).message).toBe(
      'status "c" is not valid: expected one of a, b',
    );
  });
});

describe("cursors", () => {
  it("round-trip and refuse forged ones", () => {
    const cursor = encodeCursor([12n, "0xab"]);
    expect(decodeCursor(cursor, 2)).toEqual(["12", "0xab"]);
    for (const bad of [
      "",
      "!!",
      "e30",
      encodeCursor(["1"]),
      Buffer.from("{}").toString("base64url"),
      "x".repeat(600),
    ]) {
      expect(errorOf(() => decodeCursor(bad, 2))).toMatchObject({
        status: 400,
        code: "INVALID_CURSOR",
        message: "cursor is not valid: pass the nextCursor of a previous page unchanged",
      });
    }
    expect(errorOf(() => cursorInt("1; drop table"))).toMatchObject({ code: "INVALID_CURSOR" });
    expect(cursorInt("-7")).toBe(-7n);
    expect(errorOf(() => cursorAddress(`0x${"AB".repeat(20)}`))).toMatchObject({ code: "INVALID_CURSOR" });
    expect(cursorAddress(`0x${"ab".repeat(20)}`)).toBe(`0x${"ab".repeat(20)}`);
  });
});
