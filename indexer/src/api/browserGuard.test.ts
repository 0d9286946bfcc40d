import { Hono } from "hono";
import { cors } from "hono/cors";
import { describe, expect, it } from "vitest";
import { browserGuard } from "./browserGuard.ts";

/** The app as Ponder serves it: its `cors({ origin: "*" })` in front, our guard inside. */
function app(corsOrigins: string[], bindHost = "127.0.0.1") {
  const inner = new Hono();
  inner.use("*", browserGuard({ bindHost, corsOrigins }));
  inner.get("/x", (c) => c.json({ ok: true }));
  return new Hono().use(cors({ origin: "*" })).route("/", inner);
}

const get = (a: Hono, headers: Record<string, string>) =>
  a.request("http://127.0.0.1:42069/x", { headers: { host: "127.0.0.1:42069", ...headers } });

describe("browserGuard", () => {
  it("replaces Ponder's wildcard with the allowed origin, or with nothing", async () => {
    const allowed = await get(app(["https://explorer.example.org"]), {
      origin: "https://explorer.example.org",
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://explorer.example.org");
    expect(allowed.headers.get("vary")).toContain("Origin");
    const plain = await get(app([]), {});
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses other origins, opaque ones and cross-site GETs before anything runs, naming the setting", async () => {
    const refused: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: "http://127.0.0.1:42069.evil.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of refused) {
      const res = await get(app(["https://explorer.example.org"]), headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.text()).toMatch(/ORIGIN_NOT_ALLOWED.*indexer\.corsOrigins/);
    }
    expect((await get(app([]), { origin: "http://127.0.0.1:42069" })).status).toBe(200);
    expect((await get(app([]), { "sec-fetch-site": "same-origin" })).status).toBe(200);
  });

  it("checks Host only on a loopback bind", async () => {
    const rebound = await get(app([]), { host: "evil.example:42069" });
    expect(rebound.status).toBe(403);
    expect(await rebound.text()).toMatch(/HOST_NOT_ALLOWED/);
    expect((await get(app([], "0.0.0.0"), { host: "indexer.example.org" })).status).toBe(200);
  });
});
