import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELDS_BY_KEY } from "../../config/configFields.ts";
import {
  composeConfig,
  composeVariables,
  DOCKER_DIR,
  findDockerCompose,
  parseYaml,
  readEnvFile,
} from "./composeConfig.ts";

type Healthcheck = { test?: string[] | string; disable?: boolean };
type VolumeLong = { type?: string; source?: string; target?: string; read_only?: boolean };
type Service = {
  image?: string;
  build?: unknown;
  profiles?: string[];
  restart?: string;
  stop_grace_period?: string;
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string | null>;
  secrets?: (string | { source: string; target?: string })[];
  volumes?: (string | VolumeLong)[];
  ports?: (string | { target?: number; published?: string | number })[];
  command?: string[] | string;
  entrypoint?: string[] | string;
};
type Compose = {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
};

const bin = findDockerCompose();
const composeText = readFileSync(join(DOCKER_DIR, "compose.yaml"), "utf8");
const envExample = readFileSync(join(DOCKER_DIR, ".env.example"), "utf8");
const env = readEnvFile(envExample);
const documented = new Map(env.map((e) => [e.name, e]));
const used = composeVariables(composeText);

const HTTP_PORT = FIELDS_BY_KEY.get("http.port")!.defaultValue as number;
const INDEXER_PORT = FIELDS_BY_KEY.get("indexer.port")!.defaultValue as number;
// Services that run once and exit, and the try-out profile: no restart policy wanted there.
const ONE_SHOT = new Set(["network-init", "op-geth-init", "devnet-setup"]);
const isDevnet = (s: Service) => s.profiles?.includes("devnet") ?? false;
const DEVNET_SERVICES = [
  "devnet-anvil",
  "devnet-setup",
  "devnet-indexer",
  "devnet-node",
  "devnet-node-2",
  "devnet-traffic",
];
const DEVNET_NODES = ["devnet-node", "devnet-node-2"];

/** `source:target[:mode]` or the long syntax, as docker-compose 1.x and 2.x print them. */
function mounts(service: Service): { source: string; target: string; readOnly: boolean; bind: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === "string") {
      const parts = v.split(":");
      const source = parts[0]!;
      return {
        source,
        target: parts[1] ?? source,
        readOnly: parts[2]?.split(",").includes("ro") ?? false,
        bind: source.startsWith("/") || source.startsWith("."),
      };
    }
    return {
      source: v.source ?? "",
      target: v.target ?? "",
      readOnly: v.read_only === true,
      bind: v.type === "bind",
    };
  });
}

function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(" ") : (test ?? "");
}

function dependsOn(service: Service): Record<string, string> {
  const d = service.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, "service_started"]));
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.condition ?? "service_started"]));
}

/** A tag that names one release: a digest, or a tag with a dotted version number (not `latest`, not `17`). */
function pinnedTag(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return image.split("@")[1];
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  if (colon < 0) return undefined;
  const tag = image.slice(colon + 1);
  return /^v?\d+\.\d+(\.\d+)?([-.][\w.-]+)?$/.test(tag) ? tag : undefined;
}

describe.skipIf(!bin)("docker/compose.yaml (docker-compose config)", () => {
  let dir: string;
  const configs = new Map<string, Compose>();
  const profiles: [string, string[]][] = [
    ["default", []],
    ["monitoring", ["monitoring"]],
    ["devnet", ["devnet"]],
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "olnode-compose-"));
    writeFileSync(join(dir, ".env"), envExample);
    const results = await Promise.all(
      profiles.map(([, list]) => composeConfig(bin!, { envFile: join(dir, ".env"), profiles: list })),
    );
    profiles.forEach(([name], i) => {
      const result = results[i]!;
      if (result.status !== 0) throw new Error(`docker-compose config (${name}) failed:\n${result.stderr}`);
      configs.set(name, parseYaml(result.stdout) as Compose);
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const all = () => configs.get("default")!;

  it("parses with .env.example as .env, for every profile", () => {
    for (const [name] of profiles) {
      const services = Object.keys(configs.get(name)!.services);
      expect(services, name).toEqual(
        expect.arrayContaining(["op-geth", "op-node", "postgres", "indexer", "node"]),
      );
    }
    expect(Object.keys(all().services)).toEqual(
      expect.arrayContaining(["prometheus", "grafana", "devnet-anvil", "devnet-setup", "devnet-node"]),
    );
    expect(all().services.prometheus!.profiles).toEqual(["monitoring"]);
    expect(all().services.grafana!.profiles).toEqual(["monitoring"]);
    for (const name of DEVNET_SERVICES) {
      expect(all().services[name]!.profiles, name).toEqual(["devnet"]);
    }
  });

  it("fails with the variable's name when a REQUIRED one is missing", async () => {
    const missing = join(dir, "missing.env");
    writeFileSync(missing, envExample.replace(/^POSTGRES_PASSWORD=.*$/m, ""));
    const result = await composeConfig(bin!, { envFile: missing });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("POSTGRES_PASSWORD");
  });

  it("pins every image to a release (our image: a versioned tag and a build)", () => {
    for (const [name, service] of Object.entries(all().services)) {
      expect(service.image, `${name} has no image`).toBeTruthy();
      expect(pinnedTag(service.image!), `${name}: ${service.image} is not pinned`).toBeDefined();
      expect(service.image).not.toMatch(/:latest$/);
    }
    const ours = Object.entries(all().services).filter(([, s]) => s.build);
    expect(ours.map(([n]) => n)).toEqual(
      expect.arrayContaining(["indexer", "node", "devnet-anvil", "devnet-node"]),
    );
    const version = documented.get("OLNODE_VERSION")!.value;
    for (const [name, service] of ours) {
      expect(service.build).toMatchObject({ dockerfile: "docker/Dockerfile" });
      // anvil and the setup's /devnet come only in the devnet image (the Dockerfile's devnet stage); the
      // indexer, nodes and traffic run the production image.
      const devnetImage = name === "devnet-anvil" || name === "devnet-setup";
      expect(service.build, name).toMatchObject({ target: devnetImage ? "devnet" : "production" });
      expect(service.image, name).toBe(`openledger/olnode:${version}${devnetImage ? "-devnet" : ""}`);
    }
  });

  it("documents every interpolated variable in .env.example, required ones in the REQUIRED section first", () => {
    expect(used.length).toBeGreaterThan(10);
    for (const v of used) {
      expect(documented.has(v.name), `${v.name} is used in compose.yaml but not in .env.example`).toBe(true);
      const section = documented.get(v.name)!.section;
      expect(section, v.name).toBe(v.required ? "REQUIRED" : "OPTIONAL");
      if (!v.required) expect(v.hasDefault, `${v.name} needs a default or :?`).toBe(true);
    }
    // And nothing stale: every documented variable is read (COMPOSE_* configure compose itself).
    const names = new Set(used.map((v) => v.name));
    for (const e of env) {
      if (!e.name.startsWith("COMPOSE_")) expect(names.has(e.name), `${e.name} is never used`).toBe(true);
    }
    const firstOptional = envExample.indexOf("# OPTIONAL");
    expect(envExample.indexOf("# REQUIRED")).toBeGreaterThan(-1);
    expect(envExample.indexOf("# REQUIRED")).toBeLessThan(firstOptional);
  });

  it("closes op-geth's debug API unless asked and requires a real Grafana password (issue 19)", async () => {
    // scripts/op-geth-start.sh serves exactly these on --http.api and --ws.api (startScripts.test.ts).
    expect(all().services["op-geth"]!.environment!.OP_GETH_RPC_APIS).toBe("eth,net,web3,txpool");
    const grafana = configs.get("monitoring")!.services.grafana!;
    // `config` prints the compose file's escaped `$$` as is (Debian's docker-compose) or already as `$` (other
    // versions); either way the container's shell gets `$`.
    const guard = ([grafana.entrypoint ?? []].flat() as string[]).join(" ").replaceAll("$$", "$");
    // The guard refuses what .env.example ships and the old default.
    expect(guard).toContain('case "$GF_SECURITY_ADMIN_PASSWORD" in ""|admin|CHANGE-ME*)');
    expect(grafana.environment!.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^CHANGE-ME/);
    const withoutPassword = join(dir, "no-grafana.env");
    writeFileSync(withoutPassword, envExample.replace(/^GRAFANA_ADMIN_PASSWORD=.*$/m, ""));
    const result = await composeConfig(bin!, { envFile: withoutPassword, profiles: ["monitoring"] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("set GRAFANA_ADMIN_PASSWORD in .env");
  });

  it("health-checks the node and the indexer on their own ports", () => {
    const s = all().services;
    for (const name of ["node", ...DEVNET_NODES, "devnet-traffic"]) {
      expect(healthcheckText(s[name]!), name).toContain(`127.0.0.1:${HTTP_PORT}/health`);
    }
    for (const name of ["indexer", "devnet-indexer"]) {
      expect(healthcheckText(s[name]!), name).toContain(`127.0.0.1:${INDEXER_PORT}/health`);
    }
    expect(healthcheckText(s.postgres!)).toContain("pg_isready");
    // Slim images have no curl: the probes use node's fetch.
    expect(healthcheckText(s.node!)).toMatch(/^CMD node -e /);
  });

  it("mounts keys and chain config read-only, state in named volumes", () => {
    const s = all().services;
    const node = s.node!;
    const secretNames = (node.secrets ?? []).map((x) => (typeof x === "string" ? x : x.source));
    expect(secretNames).toEqual(expect.arrayContaining(["operator_keystore", "operator_password"]));
    expect(node.environment!.OLNODE__WORKER__KEYSTORE_FILE).toBe("/run/secrets/operator_keystore");
    expect(node.environment!.OLNODE__WORKER__PASSWORD_FILE).toBe("/run/secrets/operator_password");
    expect(all().secrets!.operator_keystore!.file).toMatch(/operator\.json$/);
    for (const [name, service] of Object.entries(s)) {
      for (const m of mounts(service)) {
        if (m.bind) expect(m.readOnly, `${name}: bind mount ${m.source} must be :ro`).toBe(true);
      }
    }
    for (const name of [...DEVNET_NODES, "devnet-indexer", "devnet-traffic"]) {
      const devnetState = mounts(s[name]!).find((m) => m.target === "/devnet")!;
      expect(devnetState.readOnly, name).toBe(true);
    }
    // Each devnet node reads the config devnet-setup wrote for it (keys, identity, bootstrap peers).
    expect(DEVNET_NODES.map((n) => s[n]!.environment!.OLNODE_CONFIG)).toEqual([
      "/devnet/node-1/config.json",
      "/devnet/node-2/config.json",
    ]);
    const dataVolumes = DEVNET_NODES.map(
      (n) => mounts(s[n]!).find((m) => m.target === "/var/lib/olnode")!.source,
    );
    expect(new Set(dataVolumes).size).toBe(DEVNET_NODES.length);
    const data = mounts(node).find((m) => m.target === "/var/lib/olnode")!;
    expect(data.bind).toBe(false);
    expect(Object.keys(all().volumes ?? {})).toContain(data.source.replace(/^openledger_/, ""));
    expect(mounts(s.postgres!).find((m) => m.target === "/var/lib/postgresql/data")!.bind).toBe(false);
  });

  it("restarts long-running services unless stopped, with a stop grace period", () => {
    for (const [name, service] of Object.entries(all().services)) {
      if (ONE_SHOT.has(name)) {
        expect(service.restart, name).toBe("no");
        continue;
      }
      expect(service.stop_grace_period, `${name} has no stop_grace_period`).toBeTruthy();
      if (!isDevnet(service)) expect(service.restart, name).toBe("unless-stopped");
    }
  });

  it("starts the node after a healthy Postgres and indexer", () => {
    const s = all().services;
    expect(dependsOn(s.node!)).toMatchObject({ postgres: "service_healthy", indexer: "service_healthy" });
    expect(dependsOn(s.indexer!)).toMatchObject({ postgres: "service_healthy" });
    expect(dependsOn(s["op-geth"]!)).toMatchObject({ "op-geth-init": "service_completed_successfully" });
    expect(dependsOn(s["devnet-indexer"]!)).toMatchObject({
      postgres: "service_healthy",
      "devnet-setup": "service_completed_successfully",
    });
    for (const name of DEVNET_NODES)
      expect(dependsOn(s[name]!), name).toMatchObject({ "devnet-indexer": "service_healthy" });
    expect(dependsOn(s["devnet-traffic"]!)).toMatchObject({
      "devnet-node": "service_healthy",
      "devnet-node-2": "service_healthy",
    });
  });

  it("keeps the devnet on its own Postgres schemas, away from the operator's", () => {
    const s = all().services;
    const schemas = (svc: Service) =>
      ["INDEXER", "VIEWS", "WORKER"].map((k) => svc.environment![`OLNODE__DATABASE__${k}_SCHEMA`]);
    for (const name of ["devnet-indexer", ...DEVNET_NODES, "devnet-traffic"]) {
      for (const schema of schemas(s[name]!)) expect(schema, name).toMatch(/^devnet/);
    }
    // Each node keeps its worker state apart.
    const workerSchemas = [...DEVNET_NODES, "devnet-traffic"].map(
      (n) => s[n]!.environment!.OLNODE__DATABASE__WORKER_SCHEMA,
    );
    expect(new Set(workerSchemas).size).toBe(workerSchemas.length);
    expect(s["devnet-node"]!.environment!.OLNODE__NETWORK).toBe("devnet");
  });

  it("has Prometheus scrape the node and the indexer on the ports they serve /metrics on", () => {
    const prom = parseYaml(readFileSync(join(DOCKER_DIR, "prometheus/prometheus.yml"), "utf8")) as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const job = (name: string) => prom.scrape_configs.find((j) => j.job_name === name)!;
    const targets = (name: string) => job(name).static_configs.flatMap((c) => c.targets);
    expect(targets("olnode-node")).toEqual(expect.arrayContaining([`node:${HTTP_PORT}`]));
    expect(targets("olnode-indexer")).toEqual(expect.arrayContaining([`indexer:${INDEXER_PORT}`]));
    expect(job("olnode-node").metrics_path ?? "/metrics").toBe("/metrics");
    expect(job("olnode-indexer").metrics_path ?? "/metrics").toBe("/metrics");
    // Every scraped compose service exists, and the node's HTTP port is the one compose publishes.
    const s = all().services;
    for (const t of prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets))) {
      expect(Object.keys(s), t).toContain(t.split(":")[0]);
    }
    const published = (svc: Service) =>
      (svc.ports ?? []).map((p) =>
        typeof p === "string" ? Number(p.split(":").at(-1)!.split("/")[0]) : p.target,
      );
    expect(published(s.node!)).toContain(HTTP_PORT);
    expect(published(s.indexer!)).toContain(INDEXER_PORT);
  });
});

if (!bin) {
  const hint = "docker-compose is not installed (Debian: apt-get install -y docker-compose)";
  // In CI a missing tool must fail loudly; on a developer's machine the other suites still run.
  if (process.env.CI) {
    describe("docker/compose.yaml", () => {
      it("needs the docker-compose binary", () => {
        throw new Error(`${hint}; .ci/run installs it as root.`);
      });
    });
  } else console.warn(`docker/compose.yaml checks not run: ${hint}.`);
}

const NETWORKS = readdirSync(join(DOCKER_DIR, "networks"), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const L2_SERVICES = ["network-init", "op-geth-init", "op-geth", "eigenda-proxy", "op-node"];

describe.skipIf(!bin)("docker/compose.yaml for each network folder (docker-compose config)", () => {
  let dir: string;
  const configs = new Map<string, Compose>();
  const profiles = [[], ["monitoring"], ["devnet"]];
  const envFor = (network: string, extra = "") =>
    `${envExample.replace(/^OLNODE_NETWORK=.*$/m, `OLNODE_NETWORK=${network}`)}\n${extra}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "olnode-compose-networks-"));
    const runs = NETWORKS.flatMap((network) => profiles.map((list) => ({ network, list })));
    const results = await Promise.all(
      runs.map(({ network, list }) => {
        const envFile = join(dir, `${network}-${list.join("") || "default"}.env`);
        writeFileSync(envFile, envFor(network));
        return composeConfig(bin!, { envFile, profiles: list });
      }),
    );
    runs.forEach(({ network, list }, i) => {
      const r = results[i]!;
      const name = `${network} ${list.join("") || "default"}`;
      if (r.status !== 0) throw new Error(`docker-compose config (${name}) failed:\n${r.stderr}`);
      configs.set(name, parseYaml(r.stdout) as Compose);
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has OpenLedger's testnet and mainnet, and parses for each of them with every profile", () => {
    expect(NETWORKS).toEqual(expect.arrayContaining(["testnet", "mainnet"]));
    expect(configs.size).toBe(NETWORKS.length * profiles.length);
    for (const [name, config] of configs)
      expect(Object.keys(config.services), name).toEqual(expect.arrayContaining(L2_SERVICES));
  });

  it("gives the L2 services and olnode the selected network's folder, checked first by network-init", () => {
    for (const network of NETWORKS) {
      const s = configs.get(`${network} default`)!.services;
      const folder = join(DOCKER_DIR, "networks", network);
      // docker-compose config inlines env_file: the network's values are in each service's environment.
      const values = readEnvFile(readFileSync(join(folder, "network.env"), "utf8"));
      const chainId = values.find((v) => v.name === "OPENLEDGER_L2_CHAIN_ID")!.value;
      for (const name of ["op-geth", "op-node", "eigenda-proxy", "indexer", "node"]) {
        const environment = s[name]!.environment!;
        expect(environment.OPENLEDGER_L2_CHAIN_ID, `${network} ${name}`).toBe(chainId);
        expect(environment.OLNODE__CONTRACTS__DATANET_REGISTRY, `${network} ${name}`).toBeDefined();
      }
      const networkMount = mounts(s["network-init"]!).find((m) => m.target === "/network")!;
      expect(networkMount).toMatchObject({ source: folder, readOnly: true });
      expect(mounts(s["op-node"]!).find((m) => m.target === "/network")!.source).toBe(folder);
      for (const name of ["op-geth-init", "eigenda-proxy"])
        expect(dependsOn(s[name]!), name).toMatchObject({ "network-init": "service_completed_successfully" });
      // The whole operator stack waits for the check: olnode waits for op-geth, which waits for its init.
      expect(dependsOn(s["op-geth"]!)).toMatchObject({ "op-geth-init": "service_completed_successfully" });
      expect(dependsOn(s["op-node"]!)).toMatchObject({
        "op-geth": "service_started",
        "eigenda-proxy": "service_started",
      });
      expect(dependsOn(s.indexer!)).toMatchObject({ "op-geth": "service_started" });
    }
  });

  it("reads OpenLedger's data from EigenDA: op-node's alt-DA server is the eigenda-proxy service", () => {
    for (const network of NETWORKS) {
      const s = configs.get(`${network} default`)!.services;
      expect(s["op-node"]!.environment!.OP_NODE_ALTDA_DA_SERVER).toBe("http://eigenda-proxy:3100");
      expect(s["eigenda-proxy"]!.environment!.EIGENDA_PROXY_PORT).toBe("3100");
      const values = readEnvFile(readFileSync(join(DOCKER_DIR, "networks", network, "network.env"), "utf8"));
      const value = (name: string) => values.find((v) => v.name === name)?.value;
      expect(value("OP_NODE_ALTDA_ENABLED"), network).toBe("true");
      expect(value("OP_NODE_ALTDA_DA_SERVICE"), network).toBe("true");
    }
  });

  it("publishes op-geth's and op-node's p2p ports, and the sync mode reaches both clients", () => {
    const s = configs.get("testnet default")!.services;
    const published = (svc: Service) =>
      (svc.ports ?? [])
        .map((p) =>
          typeof p === "string"
            ? p
            : `${p.published}:${p.target}/${(p as { protocol?: string }).protocol ?? "tcp"}`,
        )
        .join(" ");
    expect(published(s["op-geth"]!)).toMatch(/30303:30303\/udp/);
    expect(published(s["op-geth"]!)).toMatch(/30303:30303\/tcp/);
    expect(published(s["op-node"]!)).toMatch(/9222:9222\/udp/);
    expect(published(s["op-node"]!)).toMatch(/9222:9222\/tcp/);
    expect(s["op-geth"]!.environment!.OP_NODE_SYNCMODE).toBe(s["op-node"]!.environment!.OP_NODE_SYNCMODE);
    expect(s["op-geth-init"]!.environment!.OP_GETH_GCMODE).toBe(s["op-geth"]!.environment!.OP_GETH_GCMODE);
  });

  it("upgrades from .env alone: image tags and the indexer schema", async () => {
    const envFile = join(dir, "upgrade.env");
    writeFileSync(
      envFile,
      envFor(
        "testnet",
        [
          "OLNODE_VERSION=0.2.0",
          "OP_GETH_IMAGE=example.org/op-geth:v9.9.9",
          "OP_NODE_IMAGE=example.org/op-node:v9.9.9",
          "EIGENDA_PROXY_IMAGE=example.org/eigenda-proxy:9.9.9",
          "POSTGRES_IMAGE=postgres:18.1-bookworm",
          "OLNODE_INDEXER_SCHEMA=olnode_indexer_v2",
        ].join("\n"),
      ),
    );
    const r = await composeConfig(bin!, { envFile });
    expect(r.status, r.stderr).toBe(0);
    const s = (parseYaml(r.stdout) as Compose).services;
    expect(s["op-geth"]!.image).toBe("example.org/op-geth:v9.9.9");
    expect(s["op-geth-init"]!.image).toBe("example.org/op-geth:v9.9.9");
    expect(s["op-node"]!.image).toBe("example.org/op-node:v9.9.9");
    expect(s["network-init"]!.image).toBe("example.org/op-node:v9.9.9");
    expect(s["eigenda-proxy"]!.image).toBe("example.org/eigenda-proxy:9.9.9");
    expect(s.postgres!.image).toBe("postgres:18.1-bookworm");
    for (const name of ["indexer", "node"]) {
      expect(s[name]!.image, name).toBe("openledger/olnode:0.2.0");
      expect(s[name]!.environment!.OLNODE__DATABASE__INDEXER_SCHEMA, name).toBe("olnode_indexer_v2");
    }
  });
});
