import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "./proxyTcp.ts";

const server = createServer((_, res) => res.end("pong"));
let proxy: TcpProxy | undefined;
afterAll(async () => {
  await proxy?.close();
  await new Promise((r) => server.close(r));
});

describe("startTcpProxy", () => {
  it("forwards, refuses every connection while cut, and forwards again once restored", async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    proxy = await startTcpProxy({ port: (server.address() as AddressInfo).port });
    // A fresh connection per request, as a client after a reset would make.
    const get = () => fetch(proxy!.url, { headers: { connection: "close" } }).then((r) => r.text());
    expect(await get()).toBe("pong");
    proxy.cut();
    expect(proxy.isCut).toBe(true);
    await expect(get()).rejects.toThrow();
    proxy.restore();
    expect(await get()).toBe("pong");
  });
});
