import { describe, expect, it } from "vitest";
import { checkHost, isLoopbackBind } from "./checkHost.ts";

describe("checkHost", () => {
  it("serves loopback names on a loopback bind, any port", () => {
    for (const host of [
      "localhost",
      "localhost:42069",
      "127.0.0.1:9400",
      "[::1]:9400",
      "LOCALHOST",
      "127.1.2.3",
    ]) {
      expect(checkHost("127.0.0.1", host), host).toBeUndefined();
      expect(checkHost("::1", host), host).toBeUndefined();
    }
  });

  it("refuses other names on a loopback bind, naming the Host and the fix", () => {
    for (const host of [
      undefined,
      "",
      "evil.example",
      "evil.example:42069",
      "localhost.evil.example",
      "127.0.0.1.evil.example",
      "[::1",
      "a:b:c",
    ]) {
      const problem = checkHost("127.0.0.1", host);
      expect(problem, String(host)).toMatch(/is not served: this server listens on loopback/);
    }
  });

  it("serves any Host on a routable bind", () => {
    expect(isLoopbackBind("0.0.0.0")).toBe(false);
    expect(checkHost("0.0.0.0", "evil.example")).toBeUndefined();
    expect(checkHost("10.0.0.5", undefined)).toBeUndefined();
  });
});
