import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardPonderServer } from "./guardPonderServer.ts";

/**
 * Ponder's server as ponder/dist/esm/server builds it — `cors({ origin: "*" })` first, /health and /metrics
 * of its own, then the API app — served by a real node:http server created after the guard is installed, as
 * `ponder start` does after loading the API file.
 */
const ALLOWED = "https://explorer.example.org";
let server: http.Server;
let port: number;

beforeAll(async () => {
  guardPonderServer({ bindHost: "127.0.0.1", corsOrigins: [ALLOWED] });
  const ponder = new Hono()
    .use(cors({ origin: "*", maxAge: 86400 }))
    .get("/health", (c) => c.text(""))
    .get("/metrics", (c) => c.text("ponder_metric 1"))
    .post("/graphql", (c) => c.json({ data: {} }));
  server = http.createServer(getRequestListener(ponder.fetch));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function send(method: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => {
            body += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on("error", reject);
      req.end();
    },
  );
}

const preflight = (origin: string) =>
  send("OPTIONS", "/graphql", {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type",
  });

describe("guardPonderServer", () => {
  it("answers a CORS preflight from an allowed origin naming it, and refuses any other, never with *", async () => {
    const ok = await preflight(ALLOWED);
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(ok.headers["access-control-allow-methods"]).toMatch(/POST/);
    expect(ok.headers["access-control-allow-headers"]).toMatch(/content-type/);
    for (const origin of ["https://evil.example", "null", `${ALLOWED}.evil.example`]) {
      const refused = await preflight(origin);
      expect(refused.status, origin).toBe(403);
      expect(refused.headers["access-control-allow-origin"], origin).toBeUndefined();
      expect(refused.body).toMatch(/ORIGIN_NOT_ALLOWED/);
    }
  });

  it("guards Ponder's own routes: Host on loopback, other origins, and no wildcard", async () => {
    for (const path of ["/health", "/metrics"]) {
      const plain = await send("GET", path, {});
      expect(plain.status, path).toBe(200);
      expect(plain.headers["access-control-allow-origin"], path).toBeUndefined();
      const rebound = await send("GET", path, { host: `evil.example:${port}` });
      expect(rebound.status, path).toBe(403);
      expect(rebound.body).toMatch(/HOST_NOT_ALLOWED/);
      expect(rebound.body).not.toMatch(/ponder_metric/);
      expect((await send("GET", path, { origin: "https://evil.example" })).status, path).toBe(403);
      expect((await send("GET", path, { "sec-fetch-site": "cross-site" })).status, path).toBe(403);
      const allowed = await send("GET", path, { origin: ALLOWED });
      expect(allowed.status, path).toBe(200);
      expect(allowed.headers["access-control-allow-origin"], path).toBe(ALLOWED);
    }
  });
});
