import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../config/common/mulberry32.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { DOCKER_DIR, readEnvFile } from "./composeConfig.ts";

/**
 * The shell scripts compose runs in the L2 containers (docker/scripts/), run here with /bin/sh (dash: POSIX
 * only, like the images' busybox) and stand-in `geth` / `op-node` binaries that print what they were given.
 */
const SCRIPTS = join(DOCKER_DIR, "scripts");
const NETWORKS = join(DOCKER_DIR, "networks");

function run(script: string, args: string[], env: Record<string, string>, path?: string) {
  const r = spawnSync("/bin/sh", [join(SCRIPTS, script), ...args], {
    encoding: "utf8",
    env: { PATH: `${path ? `${path}:` : ""}/usr/bin:/bin`, ...env },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A folder with a stand-in `name` that prints its arguments, then its OP_NODE_* environment, one per line. */
function fakeBinary(dir: string, name: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, name),
    `#!/bin/sh\nfor a in "$@"; do echo "arg $a"; done\nenv | grep '^OP_NODE_' | sed 's/^/env /'\n`,
  );
  chmodSync(join(bin, name), 0o755);
  return bin;
}

const lines = (out: string, prefix: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith(`${prefix} `))
    .map((l) => l.slice(prefix.length + 1));

/** A copy of a shipped network folder with every REQUIRED value filled in (except `leave`) and its files. */
function filledNetwork(network: string, leave: string[] = [], chainId?: string): string {
  const dir = join(makeTempDir("olnode-network-"), network);
  cpSync(join(NETWORKS, network), dir, { recursive: true });
  const text = readFileSync(join(dir, "network.env"), "utf8");
  writeFileSync(
    join(dir, "network.env"),
    text.replace(/^([A-Z_][A-Z0-9_]*)=REQUIRED.*$/gm, (line, name: string) =>
      leave.includes(name) ? line : `${name}=value-of-${name.toLowerCase()}`,
    ),
  );
  const id = chainId ?? readEnvFile(text).find((v) => v.name === "OPENLEDGER_L2_CHAIN_ID")!.value;
  writeFileSync(
    join(dir, "genesis.json"),
    JSON.stringify({ config: { chainId: Number(id) }, alloc: {} }, null, 2),
  );
  writeFileSync(join(dir, "rollup.json"), JSON.stringify({ genesis: {}, l2_chain_id: Number(id) }, null, 2));
  return dir;
}

const required = (network: string) =>
  readEnvFile(readFileSync(join(NETWORKS, network, "network.env"), "utf8")).filter((v) =>
    v.value.startsWith("REQUIRED"),
  );

describe("check-network.sh (network-init)", () => {
  it("fails on a shipped network folder, naming every REQUIRED value and the file to fill in", () => {
    for (const network of ["testnet", "mainnet"]) {
      const label = `docker/networks/${network}`;
      const r = run("check-network.sh", [join(NETWORKS, network), label], {});
      expect(r.status, network).toBe(1);
      for (const v of required(network)) {
        const expected = `${v.name} is REQUIRED: set it in ${label}/network.env`;
        // REQUIRED:execution-layer values only count in that sync mode.
        if (v.value === "REQUIRED") expect(r.stderr, network).toContain(expected);
        else expect(r.stderr, network).not.toContain(expected);
      }
      expect(r.stderr).toContain(`${label}/genesis.json is missing`);
      expect(r.stderr).toContain(`${label}/rollup.json is missing`);
      const el = run("check-network.sh", [join(NETWORKS, network), label], {
        OP_NODE_SYNCMODE: "execution-layer",
      });
      expect(el.stderr).toContain(`OP_GETH_BOOTNODES is REQUIRED: set it in ${label}/network.env`);
    }
  });

  it("passes a complete folder and makes the engine API secret once, private", () => {
    const dir = filledNetwork("testnet");
    const jwt = join(dir, "..", "jwt.hex");
    const first = run("check-network.sh", [dir, "testnet", jwt], { OP_NODE_SYNCMODE: "execution-layer" });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain("testnet is complete");
    const secret = readFileSync(jwt, "utf8");
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(jwt).mode & 0o077).toBe(0);
    expect(run("check-network.sh", [dir, "testnet", jwt], {}).status).toBe(0);
    expect(readFileSync(jwt, "utf8")).toBe(secret);
  });

  it("names exactly the values left REQUIRED, whichever they are (random subsets)", () => {
    const all = required("mainnet")
      .filter((v) => v.value === "REQUIRED")
      .map((v) => v.name);
    const random = mulberry32(65); // seeded: a failing subset comes back on every run
    for (let round = 0; round < 12; round++) {
      const leave = all.filter(() => random() < 0.3);
      const r = run("check-network.sh", [filledNetwork("mainnet", leave), "mainnet"], {});
      expect(r.status, leave.join(",")).toBe(leave.length ? 1 : 0);
      const named = [...r.stderr.matchAll(/network check: (\w+) is REQUIRED/g)].map((m) => m[1]);
      expect(named.sort()).toEqual([...leave].sort());
    }
  });

  it("refuses another network's chain files, an unknown sync or gc mode, and a missing folder", () => {
    const wrongChain = filledNetwork("testnet", [], "1612");
    const r = run("check-network.sh", [wrongChain, "testnet"], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "testnet/genesis.json is for chain 1612 (chainId), not OPENLEDGER_L2_CHAIN_ID=161201",
    );
    expect(r.stderr).toContain("testnet/rollup.json is for chain 1612 (l2_chain_id)");
    const modes = run("check-network.sh", [filledNetwork("testnet"), "testnet"], {
      OP_NODE_SYNCMODE: "snap",
      OP_GETH_GCMODE: "pruned",
    });
    expect(modes.status).toBe(1);
    expect(modes.stderr).toContain("OP_NODE_SYNCMODE=snap in .env");
    expect(modes.stderr).toContain("OP_GETH_GCMODE=pruned in .env");
    const missing = run("check-network.sh", [join(NETWORKS, "devnet"), "docker/networks/devnet"], {});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("docker/networks/devnet/network.env does not exist");
  });
});

describe("op-geth-start.sh", () => {
  const base = {
    OP_GETH_SEQUENCER_HTTP: "https://sequencer.example",
    OP_GETH_BOOTNODES: "enode://a@1.2.3.4:30303",
  };
  const flags = (env: Record<string, string>) => {
    const bin = fakeBinary(makeTempDir("olnode-geth-"), "geth");
    const r = run("op-geth-start.sh", [], { ...base, ...env }, bin);
    expect(r.status, r.stderr).toBe(0);
    return lines(r.stdout, "arg");
  };

  it("consensus-layer: full sync, no peers, path scheme, no debug API", () => {
    const f = flags({});
    expect(f).toEqual(
      expect.arrayContaining([
        "--syncmode=full",
        "--gcmode=full",
        "--state.scheme=path",
        "--nodiscover",
        "--maxpeers=0",
        "--http.api=eth,net,web3,txpool",
        "--ws.api=eth,net,web3,txpool",
        "--rollup.sequencerhttp=https://sequencer.example",
        "--authrpc.jwtsecret=/jwt/jwt.hex",
      ]),
    );
    expect(f.some((a) => a.startsWith("--bootnodes"))).toBe(false);
  });

  it("execution-layer: snap sync from the network's bootnodes with discovery on the p2p port", () => {
    const f = flags({ OP_NODE_SYNCMODE: "execution-layer", OPENLEDGER_P2P_ADVERTISE_IP: "203.0.113.7" });
    expect(f).toEqual(
      expect.arrayContaining([
        "--syncmode=snap",
        "--port=30303",
        "--discovery.port=30303",
        "--bootnodes=enode://a@1.2.3.4:30303",
        "--nat=extip:203.0.113.7",
        "--maxpeers=50",
      ]),
    );
    expect(f).not.toContain("--nodiscover");
  });

  it("archive: hash state scheme, and full sync even from peers (every block executed)", () => {
    const f = flags({ OP_NODE_SYNCMODE: "execution-layer", OP_GETH_GCMODE: "archive" });
    expect(f).toEqual(expect.arrayContaining(["--syncmode=full", "--gcmode=archive", "--state.scheme=hash"]));
  });
});

describe("op-geth-init.sh", () => {
  it("initialises with the scheme the gc mode needs and refuses data made with the other", () => {
    const dir = makeTempDir("olnode-geth-init-");
    const bin = fakeBinary(dir, "geth");
    const data = join(dir, "data");
    mkdirSync(data);
    const env = {
      OP_GETH_DATA_DIR: data,
      OP_GETH_GENESIS: "/network/genesis.json",
      OP_GETH_GCMODE: "archive",
    };
    const first = run("op-geth-init.sh", [], env, bin);
    expect(first.status, first.stderr).toBe(0);
    expect(lines(first.stdout, "arg")).toEqual([
      "init",
      `--datadir=${data}`,
      "--state.scheme=hash",
      "/network/genesis.json",
    ]);
    expect(readFileSync(join(data, "state-scheme"), "utf8").trim()).toBe("hash");
    mkdirSync(join(data, "geth", "chaindata"), { recursive: true });
    const again = run("op-geth-init.sh", [], env, bin);
    expect(again.status).toBe(0);
    expect(lines(again.stdout, "arg")).toEqual([]);
    const switched = run("op-geth-init.sh", [], { ...env, OP_GETH_GCMODE: "full" }, bin);
    expect(switched.status).toBe(1);
    expect(switched.stderr).toContain(
      "initialised with the hash state scheme, but OP_GETH_GCMODE=full needs path",
    );
  });
});

describe("op-node-start.sh", () => {
  it("joins the network's and the operator's static peers, advertises the IP, drops empty settings", () => {
    const bin = fakeBinary(makeTempDir("olnode-op-node-"), "op-node");
    const r = run(
      "op-node-start.sh",
      [],
      {
        OPENLEDGER_OP_NODE_STATIC_PEERS: "/ip4/1.2.3.4/tcp/9222/p2p/16Uiu2A",
        OP_NODE_STATIC_PEERS: "/ip4/5.6.7.8/tcp/9222/p2p/16Uiu2B",
        OPENLEDGER_P2P_ADVERTISE_IP: "203.0.113.7",
        OP_NODE_P2P_BOOTNODES: "",
        OP_NODE_ALTDA_ENABLED: "true",
      },
      bin,
    );
    expect(r.status, r.stderr).toBe(0);
    const env = lines(r.stdout, "env");
    expect(env).toContain(
      "OP_NODE_P2P_STATIC=/ip4/1.2.3.4/tcp/9222/p2p/16Uiu2A,/ip4/5.6.7.8/tcp/9222/p2p/16Uiu2B",
    );
    expect(env).toContain("OP_NODE_P2P_ADVERTISE_IP=203.0.113.7");
    expect(env).toContain("OP_NODE_ALTDA_ENABLED=true");
    expect(env.some((l) => l.startsWith("OP_NODE_P2P_BOOTNODES"))).toBe(false);
    const bare = lines(run("op-node-start.sh", [], {}, bin).stdout, "env");
    expect(
      bare.some((l) => l.startsWith("OP_NODE_P2P_STATIC") || l.startsWith("OP_NODE_P2P_ADVERTISE_IP")),
    ).toBe(false);
  });
});
