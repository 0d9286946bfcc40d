import { describe, expect, it } from "vitest";
import { isHttpError } from "./httpError.ts";
import {
  cursorInt,
  decodeCursor,
  encodeCursor,
  MAX_LIMIT,
  parseAddress,
  parseId,
  parsePage,
  toJson,
} from "./params.ts";

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (isHttpError(error)) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected an HttpError");
}

describe("parseAddress", () => {
  it("lower-cases a valid address", () => {
    expect(parseAddress("0xAbCdEf0000000000000000000000000000000001")).toBe(
      "0xabcdef0000000000000000000000000000000001",
    );
  });
  it.each([
    "",
    "0x123",
    "abcdef0000000000000000000000000000000001xx",
    "0xZZcdef0000000000000000000000000000000001",
  ])("rejects %j with a 400 naming the problem", (raw) => {
    const e = errorOf(() => parseAddress(raw, "contributor"));
    expect(e).toMatchObject({ status: 400, code: "INVALID_ADDRESS" });
    expect(e.message).toContain("contributor");
    expect(e.message).toContain("40 hex digits");
  });
});

describe("parseId", () => {
  it("accepts uint256 values", () => {
    expect(parseId("0")).toBe(0n);
    expect(parseId("42")).toBe(42n);
    expect(parseId((2n ** 256n - 1n).toString())).toBe(2n ** 256n - 1n);
  });
  it.each(["-1", "1.5", "01", "abc", "1e3", " 1", (2n ** 256n).toString()])("rejects %j", (raw) => {
    expect(errorOf(() => parseId(raw, "contribution id"))).toMatchObject({ status: 400, code: "INVALID_ID" });
  });
});

describe("parsePage", () => {
  it("defaults and bounds", () => {
    expect(parsePage({})).toEqual({ limit: 25, cursor: undefined, order: "asc" });
    expect(parsePage({ limit: "100", order: "desc" })).toMatchObject({ limit: 100, order: "desc" });
  });
  it.each(["0", "-1", String(MAX_LIMIT + 1), "1000000", "ten", "1.5", ""])("rejects limit %j", (limit) => {
    expect(errorOf(() => parsePage({ limit }))).toMatchObject({ status: 400, code: "INVALID_LIMIT" });
  });
  it("rejects unknown parameters such as page by name", () => {
    const e = errorOf(() => parsePage({ page: "-1" }));
    expect(e).toMatchObject({ status: 400, code: "INVALID_QUERY" });
    expect(e.message).toContain('"page"');
  });
  it("rejects a bad order", () => {
    expect(errorOf(() => parsePage({ order: "sideways" }))).toMatchObject({ code: "INVALID_QUERY" });
  });
  it("round-trips cursors and rejects forged ones", () => {
    const cursor = encodeCursor([12n, "0xab"]);
    expect(parsePage({ cursor }, { cursorArity: 2 }).cursor).toEqual(["12", "0xab"]);
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
