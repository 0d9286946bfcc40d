import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../test/harness/tempDir.ts";
import { ConfigError } from "./ConfigError.ts";
import { renderConfigReference } from "./configReference.ts";
import { loadConfig, requireConfig } from "./loadConfig.ts";
import { redactConfig } from "./redactConfig.ts";

const dir = makeTempDir("olnode-config-");
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}
function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("gives defaults and the devnet preset with no input", () => {
    const c = loadConfig({ env: {} });
    expect(c.network).toBe("devnet");
    expect(c.chain.chainId).toBe(31337);
    expect(c.chain.l2RpcUrl).toBe("http://127.0.0.1:8545");
    expect(c.p2p.listen).toEqual(["/ip4/0.0.0.0/tcp/9100"]);
    expect(c.sources["p2p.maxConnections"]).toBe("default");
  });

  it("applies env over file over defaults, and records sources", () => {
    const f = file("a.json", {
      network: "testnet",
      p2p: { maxConnections: 10, listen: ["/ip4/1.2.3.4/tcp/1"] },
    });
    const c = loadConfig({
      file: f,
      env: {
        OLNODE__P2P__MAX_CONNECTIONS: "20",
        OLNODE__P2P__BOOTSTRAP: "/ip4/1.1.1.1/tcp/2/p2p/x, /dns4/a/tcp/3",
      },
    });
    expect(c.network).toBe("testnet");
    expect(c.chain.chainId).toBe(161201);
    expect(c.p2p.maxConnections).toBe(20);
    expect(c.p2p.listen).toEqual(["/ip4/1.2.3.4/tcp/1"]);
    expect(c.p2p.bootstrap).toEqual(["/ip4/1.1.1.1/tcp/2/p2p/x", "/dns4/a/tcp/3"]);
    expect(c.sources["p2p.maxConnections"]).toBe("env OLNODE__P2P__MAX_CONNECTIONS");
    expect(c.sources["p2p.listen"]).toBe(`file ${f}`);
    expect(c.sources["chain.chainId"]).toBe("preset testnet");
  });

  it("reads DATABASE_URL as an alias, the namespaced name winning", () => {
    expect(loadConfig({ env: { DATABASE_URL: "postgres://a@h/db" } }).database.url).toBe("postgres://a@h/db");
    const both = loadConfig({
      env: { DATABASE_URL: "postgres://a@h/db", OLNODE__DATABASE__URL: "postgres://b@h/db" },
    });
    expect(both.database.url).toBe("postgres://b@h/db");
  });

  it("names field, source, expectation and example for a wrong type from env", () => {
    const e = error(() => loadConfig({ env: { OLNODE__P2P__MAX_CONNECTIONS: "lots" } }));
    expect(e.shortMessage).toBe(
      'Invalid config: p2p.maxConnections (env OLNODE__P2P__MAX_CONNECTIONS): expected a whole number, got "lots", e.g. 200',
    );
    expect(e.shortMessage.split("\n")).toHaveLength(1);
  });

  it("names the file as the source of a wrong type in the file", () => {
    const f = file("b.json", { http: { port: "x" } });
    const e = error(() => loadConfig({ file: f, env: {} }));
    expect(e.issues).toEqual([
      { field: "http.port", source: `file ${f}`, problem: 'expected number, got "x", e.g. 9400' },
    ]);
  });

  it("rejects an unknown network with the choices", () => {
    const e = error(() => loadConfig({ env: { OLNODE__NETWORK: "moonnet" } }));
    expect(e.shortMessage).toContain("network (env OLNODE__NETWORK)");
    expect(e.shortMessage).toContain('expected one of "devnet", "testnet", "mainnet", got "moonnet"');
  });

  it("rejects a malformed URL", () => {
    const e = error(() => loadConfig({ env: { OLNODE__CHAIN__L2_RPC_URL: "localhost:8545" } }));
    expect(e.issues[0]!.field).toBe("chain.l2RpcUrl");
    expect(e.issues[0]!.problem).toContain("expected an http(s) or ws(s) URL");
    expect(error(() => loadConfig({ env: { DATABASE_URL: "mysql://x/y" } })).shortMessage).toContain(
      "database.url (env DATABASE_URL): expected a postgres:// URL",
    );
  });

  it("suggests the right name for a misspelt env var", () => {
    const e = error(() => loadConfig({ env: { OLNODE__P2P__MAX_CONECTIONS: "3" } }));
    expect(e.shortMessage).toContain("did you mean OLNODE__P2P__MAX_CONNECTIONS?");
  });

  it("rejects unknown keys in the file and bad JSON", () => {
    expect(
      error(() => loadConfig({ file: file("c.json", { p2p: { lisen: [] } }), env: {} })).shortMessage,
    ).toContain('unknown field "lisen"');
    expect(error(() => loadConfig({ file: file("d.json", "{ nope"), env: {} })).shortMessage).toContain(
      "is not valid JSON",
    );
    expect(error(() => loadConfig({ file: join(dir, "missing.json"), env: {} })).shortMessage).toContain(
      "ENOENT",
    );
  });

  it("refuses a chain id that contradicts the network", () => {
    const e = error(() =>
      loadConfig({ env: { OLNODE__NETWORK: "mainnet", OLNODE__CHAIN__CHAIN_ID: "161201" } }),
    );
    expect(e.shortMessage).toContain("161201 does not match network mainnet (chain 1612)");
  });

  it("says how to set a field a command requires", () => {
    const c = loadConfig({ env: {} });
    const e = error(() => requireConfig(c, "database.url", c.database.url, "for `olnode start`"));
    expect(e.shortMessage).toContain("set OLNODE__DATABASE__URL");
  });

  it("fills contract addresses from a deployment file, explicit ones winning", () => {
    const dep = file("deployment.json", {
      chainId: 31337,
      startBlock: 7,
      addresses: {
        datanetRegistry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        epochManager: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
      },
    });
    const c = loadConfig({
      env: {
        OLNODE__CONTRACTS__DEPLOYMENT_FILE: dep,
        OLNODE__CONTRACTS__EPOCH_MANAGER: "0x0000000000000000000000000000000000000001",
      },
    });
    expect(c.contracts.datanetRegistry).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(c.contracts.epochManager).toBe("0x0000000000000000000000000000000000000001");
    expect(c.contracts.startBlock).toBe(7);
    const wrongChain = file("dep2.json", { chainId: 1, addresses: {} });
    expect(
      error(() => loadConfig({ env: { OLNODE__CONTRACTS__DEPLOYMENT_FILE: wrongChain } })).shortMessage,
    ).toContain("is for chain 1");
  });

  it("leaves the eth_getLogs block range to Ponder unless set, and bounds it", () => {
    expect(loadConfig({ env: {} }).chain.ethGetLogsBlockRange).toBeUndefined();
    expect(
      loadConfig({ env: { OLNODE__CHAIN__ETH_GET_LOGS_BLOCK_RANGE: "500" } }).chain.ethGetLogsBlockRange,
    ).toBe(500);
    const e = error(() => loadConfig({ env: { OLNODE__CHAIN__ETH_GET_LOGS_BLOCK_RANGE: "0" } }));
    expect(e.shortMessage).toContain(
      "chain.ethGetLogsBlockRange (env OLNODE__CHAIN__ETH_GET_LOGS_BLOCK_RANGE)",
    );
  });

  it("masks secrets when printed", () => {
    const c = loadConfig({
      env: { DATABASE_URL: "postgres://olnode:hunter2@db:5432/x", OLNODE__WORKER__PASSWORD_FILE: "/run/pw" },
    });
    const printed = JSON.stringify(redactConfig(c));
    expect(printed).not.toContain("hunter2");
    expect(printed).toContain("db:5432");
    expect(printed).not.toContain("/run/pw");
  });

  it("docs/configuration.md is generated from the schema and up to date", () => {
    const committed = readFileSync(new URL("../docs/configuration.md", import.meta.url), "utf8");
    expect(committed).toBe(renderConfigReference());
  });
});
