import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./createLogger.ts";
import { createMetrics } from "./createMetrics.ts";
import { createShutdown } from "./createShutdown.ts";

describe("logger", () => {
  it("writes JSON lines and never the value of a secret field", async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (d) => lines.push(...d.toString().trim().split("\n")));
    const logger = createLogger({ format: "json", destination: out, name: "t" });
    logger.info({
      msg: "key loaded",
      privateKey: "0xdeadbeef",
      wallet: { password: "pw1" },
      deep: { a: { secret: "s" } },
    });
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(lines[0]!);
    expect(line.msg).toBe("key loaded");
    expect(line.service).toBe("t");
    expect(line.privateKey).toBe("[redacted]");
    expect(line.wallet.password).toBe("[redacted]");
    expect(line.deep.a.secret).toBe("[redacted]");
    expect(lines.join("\n")).not.toMatch(/deadbeef|pw1/);
  });

  it("masks credentials of every URL it writes, in fields, messages and errors", async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (d) => lines.push(...d.toString().trim().split("\n")));
    const logger = createLogger({ format: "json", destination: out });
    const key = "9aa3d95b3bc440fa88ea12eaa4456161";
    logger.warn({
      msg: `RPC https://mainnet.infura.io/v3/${key} unreachable`,
      url: "postgres://olnode:hunter2@db:5432/olnode",
      nested: { urls: [`wss://u:hunter2@rpc.example.com/ws`] },
      error: new Error(`HTTP request failed.\nURL: https://mainnet.infura.io/v3/${key}`),
    });
    await new Promise((r) => setImmediate(r));
    const text = lines.join("\n");
    expect(text).not.toMatch(new RegExp(`hunter2|${key}`));
    const line = JSON.parse(lines[0]!);
    expect(line.url).toBe("postgres://olnode:***@db:5432/olnode");
    expect(line.msg).toBe("RPC https://mainnet.infura.io/v3/*** unreachable");
    expect(line.error.message).toContain("URL: https://mainnet.infura.io/v3/***");
  });
});

describe("metrics", () => {
  it("prefixes names with olnode_ and returns the same metric when asked twice", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const c = m.counter("p2p_messages_total", "Messages", ["outcome"]);
    expect(m.counter("p2p_messages_total", "Messages", ["outcome"])).toBe(c);
    c.inc({ outcome: "accept" }, 3);
    m.histogram("rpc_seconds", "RPC latency", [0.1, 1]).observe(0.5);
    const text = await m.render();
    expect(text).toContain('olnode_p2p_messages_total{outcome="accept"} 3');
    expect(text).toContain('olnode_rpc_seconds_bucket{le="1"} 1');
    expect(text).not.toMatch(/^[a-z][a-z_]*(?<!olnode_[a-z_]*)\{/m);
  });
});

describe("shutdown", () => {
  it("aborts the signal and runs callbacks last-registered-first, once", async () => {
    const s = createShutdown();
    const order: string[] = [];
    s.add("db", () => {
      order.push("db");
    });
    s.add("p2p", async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push("p2p");
    });
    s.add("broken", () => {
      throw new Error("boom");
    });
    const a = s.kill();
    expect(s.signal.aborted).toBe(true);
    await Promise.all([a, s.kill()]);
    expect(order).toEqual(["p2p", "db"]);
  });

  it("does not wait forever on a stuck callback", async () => {
    const s = createShutdown();
    const order: string[] = [];
    s.add("first", () => {
      order.push("first");
    });
    s.add("stuck", () => new Promise(() => {}), 20);
    await s.kill();
    expect(order).toEqual(["first"]);
  });
});
