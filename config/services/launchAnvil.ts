import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { RetryableError } from "../errors/BaseError.ts";
import { allocatePort, releasePort } from "./allocatePort.ts";
import { stopChild, trackChild } from "./childProcesses.ts";

export type LaunchAnvilParameters = {
  port?: number;
  /** Seconds between blocks; omitted = a block per transaction (automine). */
  blockTime?: number;
  chainId?: number;
  /** Extra anvil flags, e.g. ["--state", file]. */
  args?: string[];
  onLog?: (line: string) => void;
};

export type AnvilProcess = {
  rpcUrl: string;
  wsUrl: string;
  port: number;
  chainId: number;
  pid: number;
  stop(): Promise<void>;
};

/** Path of the anvil binary that the npm package `@foundry-rs/anvil` installed for this platform. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}/package.json`;
  try {
    return join(dirname(require.resolve(pkg)), "bin", "anvil");
  } catch (cause) {
    throw new RetryableError(`The anvil binary for ${process.platform}-${process.arch} is not installed.`, {
      cause,
      hint: "Run `npm install` (its install script must be allowed: package.json allowScripts).",
    });
  }
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

/**
 * Starts anvil as an OP Stack L2 (`--network optimism`: deposit transactions and L1 fee fields) on a free
 * loopback port, and resolves once it answers JSON-RPC.
 */
export async function launchAnvil(parameters: LaunchAnvilParameters = {}): Promise<AnvilProcess> {
  const port = parameters.port ?? (await allocatePort());
  const chainId = parameters.chainId ?? 31337;
  const args = [
    "--network",
    "optimism",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--chain-id",
    String(chainId),
  ];
  if (parameters.blockTime !== undefined) args.push("--block-time", String(parameters.blockTime));
  args.push(...(parameters.args ?? []));
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop anvil after what uses it.
  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  trackChild(child);
  let output = "";
  const onData = (data: Buffer) => {
    const text = data.toString();
    if (output.length < 20_000) output += text;
    if (parameters.onLog) for (const line of text.split("\n")) if (line) parameters.onLog(line);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) =>
      reject(
        new RetryableError(`anvil exited before it was ready (code ${code}, signal ${signal}).`, {
          details: output.slice(-2000),
          hint: `Is port ${port} already in use?`,
        }),
      ),
    ),
  );
  const ready = (async () => {
    for (let i = 0; i < 300; i++) {
      try {
        await rpc(rpcUrl, "eth_chainId");
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new RetryableError("anvil did not answer JSON-RPC within 15 s.", { details: output.slice(-2000) });
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    await stopChild(child, "SIGKILL");
    throw error;
  }
  exited.catch(() => undefined);
  return {
    rpcUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    chainId,
    pid: child.pid!,
    async stop() {
      await stopChild(child, "SIGTERM", 5_000);
      releasePort(port);
    },
  };
}
