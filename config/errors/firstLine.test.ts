import { describe, expect, it } from "vitest";
import { firstLine } from "./firstLine.ts";

describe("firstLine", () => {
  it("keeps the first line of an Error, and copes with non-Errors and empty messages", () => {
    expect(firstLine(new Error("RPC down\n  at fetch\n  details…"))).toBe("RPC down");
    expect(firstLine("plain string\nsecond")).toBe("plain string");
    expect(firstLine(undefined)).toBe("undefined");
    expect(firstLine(new Error(""))).toBe("unknown error");
  });
});
