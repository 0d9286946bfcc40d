import { describe, expect, it } from "vitest";
import { toJson } from "./toJson.ts";

describe("toJson", () => {
  it("writes bigints as strings", () => {
    expect(toJson({ a: 2n ** 200n, b: [1n] })).toBe(`{"a":"${2n ** 200n}","b":["1"]}`);
  });
});
