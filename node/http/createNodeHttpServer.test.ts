import { describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { createNodeHttpServer } from "./createNodeHttpServer.ts";

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
