import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import type { Task } from "../worker/workerTypes.ts";
import { createNodeHttpServer } from "./createNodeHttpServer.ts";
import { createReportsRoute } from "./createReportsRoute.ts";

describe("node HTTP server (real sockets)", () => {
  it("serves health, readiness with reasons, status with bigints, metrics, and 404/405", async () => {
    const common = createTestCommon();
    let synced = false;
    const server = await createNodeHttpServer(common, {
      host: "127.0.0.1",
      port: 0,
      readiness: {
        chain: () => (synced ? { ok: true } : { ok: false, reason: "L2 head is 40 s behind" }),
        p2p: () => ({ ok: true }),
        broken: () => {
          if (!synced) throw new Error("check crashed");
          return { ok: true };
        },
      },
      status: () => ({ head: 123n, peers: 3 }),
    });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const notReady = await fetch(`${server.url}/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        ready: false,
        checks: { chain: "L2 head is 40 s behind", p2p: "ok", broken: "check crashed" },
      });
      synced = true;
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      expect(await (await fetch(`${server.url}/status`)).json()).toEqual({ head: "123", peers: 3 });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('olnode_http_requests_total{route="/ready",code="503"} 1');
      // The readiness checks are scraped too, so an alert needs no probe of /ready.
      expect(metrics).toMatch(/^olnode_ready 1$/m);
      expect(metrics).toContain('olnode_ready_check{check="chain"} 1');
      synced = false;
      const scraped = await (await fetch(`${server.url}/metrics`)).text();
      expect(scraped).toMatch(/^olnode_ready 0$/m);
      expect(scraped).toContain('olnode_ready_check{check="chain"} 0');
      expect(scraped).toContain('olnode_ready_check{check="broken"} 0');
      expect(scraped).toContain('olnode_ready_check{check="p2p"} 1');
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
      expect((await fetch(`${server.url}/health`, { method: "POST" })).status).toBe(405);
      // During shutdown the node reports itself not ready and not healthy before the socket closes.
      const killing = common.shutdown.kill();
      await killing;
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    } finally {
      await common.shutdown.kill();
    }
  });
});

describe("node HTTP server: the caller's mistakes are 4xx, never 500 (issue 19)", () => {
  async function rawRequest(url: string, head: string): Promise<string> {
    const { port } = new URL(url);
    const socket = connect(Number(port), "127.0.0.1");
    socket.write(head);
    let text = "";
    for await (const chunk of socket) text += chunk.toString();
    return text;
  }

  it("answers malformed targets, out-of-range report paths and foreign Hosts with 4xx and a reason", async () => {
    const common = createTestCommon();
    const asked: unknown[] = [];
    const server = await createNodeHttpServer(common, {
      host: "127.0.0.1",
      port: 0,
      readiness: {},
      status: () => ({}),
      routes: {
        "/reports/": createReportsRoute(async (key) => {
          asked.push(key);
          return key.epoch === 3n
            ? ({ report: '{"ok":true}', reportHash: "0xab" } as unknown as Task)
            : undefined;
        }),
      },
    });
    try {
      const malformed = await rawRequest(
        server.url,
        "GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      );
      expect(malformed).toMatch(/^HTTP\/1\.1 400/);
      expect(malformed).toContain("Malformed request target");
      const cases: [string, number, RegExp][] = [
        ["/reports/9223372036854775808/0/1", 400, /epoch 9223372036854775808 is out of range/],
        ["/reports/99999999999999999999/0/1", 400, /out of range/],
        ["/reports/1/2/1", 400, /kind 2 is not 0/],
        [`/reports/1/0/${2n ** 256n}`, 400, /subjectId .* out of range/],
        ["/reports/1/0", 400, /expected \/reports\/<epoch>/],
        ["/reports/-1/0/1", 400, /Malformed report path/],
        ["/reports/1/0/1", 404, /No route/],
      ];
      for (const [path, status, body] of cases) {
        const res = await fetch(server.url + path);
        expect(res.status, path).toBe(status);
        expect(await res.text(), path).toMatch(body);
      }
      const ok = await fetch(`${server.url}/reports/3/1/7`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-report-hash")).toBe("0xab");
      expect(asked).toEqual([
        { epoch: 1n, kind: 0, subjectId: 1n },
        { epoch: 3n, kind: 1, subjectId: 7n },
      ]);
      // DNS rebinding: a loopback server answers only loopback names.
      const rebound = await rawRequest(
        server.url,
        "GET /status HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
      );
      expect(rebound).toMatch(/^HTTP\/1\.1 403/);
      expect(rebound).toContain("listens on loopback");
      const local = await rawRequest(
        server.url,
        "GET /health HTTP/1.1\r\nHost: localhost:1234\r\nConnection: close\r\n\r\n",
      );
      expect(local).toMatch(/^HTTP\/1\.1 200/);
      expect(await common.metrics.render()).toContain(
        'olnode_http_requests_total{route="/reports/",code="400"} 6',
      );
    } finally {
      await common.shutdown.kill();
    }
  });
});
