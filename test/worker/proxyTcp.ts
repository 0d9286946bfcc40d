import { createConnection, createServer, type Server, type Socket } from "node:net";

export type TcpProxy = {
  /** `http://127.0.0.1:<port>`: hand this to the client instead of the target's URL. */
  url: string;
  port: number;
  /** Drops every open connection and resets each new one, until `restore()`: the target looks down. */
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  close(): Promise<void>;
};

/**
 * A loopback TCP proxy in front of `target` (e.g. anvil), so a test can take a service away from one
 * client while the service itself keeps running. Keeps listening while cut, so the port stays ours and a
 * client sees connection resets, as with a server that is restarting.
 */
export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? "127.0.0.1";
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host, port: target.port });
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    cut() {
      cut = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      cut = false;
    },
    get isCut() {
      return cut;
    },
    async close() {
      for (const socket of open) socket.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
