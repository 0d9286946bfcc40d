import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import {
  allocatePort,
  allocateStablePort,
  ephemeralPortRange,
  preferPort,
  releasePort,
} from "./allocatePort.ts";

const moduleUrl = new URL("./allocatePort.ts", import.meta.url).href;

/** preferPort in another process, which keeps its claim until we close its stdin. */
function preferPortElsewhere(port: number) {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { preferPort } from ${JSON.stringify(moduleUrl)};
       console.log(await preferPort(${port}));
       process.stdin.resume();
       process.stdin.on("end", () => process.exit(0));`,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const port$ = new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.once("exit", (code) => reject(new Error(`child exited with ${code} before answering`)));
  });
  return { port$, done: () => child.stdin.end() };
}

describe("preferPort", () => {
  it("gives the wanted port once, and other free ports to whoever asks next in this process", async () => {
    const wanted = await allocatePort();
    releasePort(wanted);
    expect(await preferPort(wanted)).toBe(wanted);
    const second = await preferPort(wanted);
    expect(second).not.toBe(wanted);
    releasePort(wanted);
    releasePort(second);
  });

  it("never gives two processes asking at the same moment the same port", async () => {
    const wanted = await allocatePort();
    releasePort(wanted);
    const a = preferPortElsewhere(wanted);
    const b = preferPortElsewhere(wanted);
    try {
      const ports = await Promise.all([a.port$, b.port$]);
      expect(new Set(ports).size).toBe(2);
      expect(ports).toContain(wanted);
    } finally {
      a.done();
      b.done();
    }
  });

  it("passes over a port something else listens on", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const taken = (server.address() as { port: number }).port;
    try {
      expect(await preferPort(taken)).not.toBe(taken);
    } finally {
      server.close();
    }
  });
});

describe("allocateStablePort", () => {
  it("gives free, distinct ports outside the kernel's ephemeral range, which bind(0) never hands out", async () => {
    const [low, high] = ephemeralPortRange();
    const ports = await Promise.all(Array.from({ length: 20 }, () => allocateStablePort()));
    try {
      expect(new Set(ports).size).toBe(ports.length);
      for (const port of ports) expect(port >= low && port <= high, `${port} in ${low}-${high}`).toBe(false);
      // Each one can be bound (it was free), which is what docker-proxy does at every `up`.
      for (const port of ports.slice(0, 3)) {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, "127.0.0.1", resolve);
        });
        await new Promise((r) => server.close(r));
      }
    } finally {
      for (const port of ports) releasePort(port);
    }
  });
});
