import { z } from "zod/v4";
import { NETWORK_NAMES } from "./networks.ts";

/**
 * The one configuration schema of the whole sidecar: every command (`olnode start`, `olnode indexer`,
 * `olnode devnet`, …) reads this. Each leaf has a description and an example, which the loader puts in its
 * error messages and `docs/configuration.md` is generated from (a test keeps that file in step).
 *
 * Env names: OLNODE__<SECTION>__<FIELD> in upper snake case, e.g. `p2p.maxConnections` ←
 * OLNODE__P2P__MAX_CONNECTIONS. Arrays in env are comma-separated.
 */
export type FieldMeta = { description: string; example: string; secret?: boolean };

function meta<T extends z.ZodType>(schema: T, m: FieldMeta): T {
  return schema.meta(m) as T;
}

const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });
const wsOrHttpUrl = z.url({ protocol: /^(https?|wss?)$/, error: "expected an http(s) or ws(s) URL" });
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: "expected a postgres:// URL" });
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, { error: "expected a 0x-prefixed 20-byte hex address" })
  .transform((s) => s as `0x${string}`);
const port = z.int().min(0).max(65535);
const multiaddr = z.string().regex(/^\//, { error: "expected a multiaddr such as /ip4/0.0.0.0/tcp/9100" });
const pgIdentifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "expected a lower-case Postgres identifier (a-z, 0-9, _)" });

export const configSchema = z
  .object({
    network: meta(z.enum(NETWORK_NAMES).default("devnet"), {
      description:
        "Which OpenLedger network: devnet (local anvil), testnet (chain 161201) or mainnet (chain 1612).",
      example: "testnet",
    }),
    dataDir: meta(z.string().min(1).default(".olnode"), {
      description:
        "Directory for node state: libp2p identity, chunk store, attribution indexes, devnet files.",
      example: "/var/lib/olnode",
    }),
    chain: z
      .object({
        l2RpcUrl: meta(wsOrHttpUrl.optional(), {
          description: "op-geth JSON-RPC URL. Defaults to the network preset (http://127.0.0.1:8545).",
          example: "http://op-geth:8545",
        }),
        rollupRpcUrl: meta(httpUrl.optional(), {
          description:
            "op-node RPC URL for optimism_syncStatus (safe/finalized heads). Without it, op-geth's safe/finalized tags are used.",
          example: "http://op-node:9545",
        }),
        chainId: meta(z.int().positive().optional(), {
          description:
            "Expected L2 chain id. Defaults to the network preset; the node refuses an RPC on another chain.",
          example: "161201",
        }),
        pollingIntervalMs: meta(z.int().min(100).max(60_000).default(1000), {
          description: "How often to poll the L2 for new heads, in milliseconds.",
          example: "2000",
        }),
        ethGetLogsBlockRange: meta(z.int().min(1).max(100_000).optional(), {
          description:
            "Most blocks the indexer asks for in one eth_getLogs. Unset: Ponder finds the limit from the RPC's errors. Set it for RPCs that time out instead of erroring on large ranges.",
          example: "500",
        }),
        stallAfterMs: meta(z.int().min(1000).default(30_000), {
          description: "The chain is reported stalled when the L2 head has not advanced for this long.",
          example: "60000",
        }),
      })
      .strict()
      .default({ pollingIntervalMs: 1000, stallAfterMs: 30_000 }),
    contracts: z
      .object({
        datanetRegistry: meta(address.optional(), {
          description: "DatanetRegistry address (required on testnet/mainnet; the devnet deploys its own).",
          example: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        }),
        modelRegistry: meta(address.optional(), {
          description: "ModelRegistry address.",
          example: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
        }),
        attributionLedger: meta(address.optional(), {
          description: "AttributionLedger address.",
          example: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
        }),
        epochManager: meta(address.optional(), {
          description: "EpochManager address.",
          example: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
        }),
        pointsDistributor: meta(address.optional(), {
          description: "PointsDistributor address.",
          example: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
        }),
        startBlock: meta(z.int().min(0).default(0), {
          description: "Block the contracts were deployed at: the indexer starts there.",
          example: "1234567",
        }),
        deploymentFile: meta(z.string().optional(), {
          description:
            "JSON file with addresses and startBlock written by a deployment (the devnet writes one); explicit addresses win.",
          example: ".olnode/devnet/deployment.json",
        }),
      })
      .strict()
      .default({ startBlock: 0 }),
    database: z
      .object({
        url: meta(postgresUrl.optional(), {
          description:
            "Postgres connection URL. Optional for the devnet (an embedded Postgres starts); required otherwise.",
          example: "postgres://olnode:secret@postgres:5432/olnode",
          secret: true,
        }),
        indexerSchema: meta(pgIdentifier.default("olnode_indexer"), {
          description: "Schema Ponder writes the index into (one per deployment of the indexer).",
          example: "olnode_indexer_v2",
        }),
        viewsSchema: meta(pgIdentifier.default("olnode"), {
          description: "Stable schema of views over the live index, read by the worker and by SQL clients.",
          example: "olnode",
        }),
        workerSchema: meta(pgIdentifier.default("olnode_worker"), {
          description: "Schema of the worker's own task state.",
          example: "olnode_worker",
        }),
      })
      .strict()
      .default({ indexerSchema: "olnode_indexer", viewsSchema: "olnode", workerSchema: "olnode_worker" }),
    indexer: z
      .object({
        host: meta(z.string().min(1).default("127.0.0.1"), {
          description: "Interface the indexer's HTTP API (GraphQL, /sql, /api/v1) listens on.",
          example: "0.0.0.0",
        }),
        port: meta(port.default(42069), {
          description: "Port of the indexer's HTTP API.",
          example: "42069",
        }),
        url: meta(httpUrl.optional(), {
          description:
            "Where the node reaches the indexer's API. Defaults to http://<indexer.host>:<indexer.port>.",
          example: "http://indexer:42069",
        }),
        corsOrigins: meta(
          z
            .array(
              z
                .string()
                .regex(
                  /^https?:\/\/[^/\s*]+$/,
                  "expected an origin such as https://explorer.example.org (no path, no *)",
                ),
            )
            .default([]),
          {
            description:
              "Web origins whose pages may call the indexer's API from a browser (CORS); comma-separated in env. Empty: no browser page may, whatever Ponder's preflight says.",
            example: "https://explorer.example.org",
          },
        ),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 42069, corsOrigins: [] }),
    p2p: z
      .object({
        enabled: meta(z.boolean().default(true), {
          description: "Run the libp2p node (chunk gossip and sync).",
          example: "false",
        }),
        listen: meta(z.array(multiaddr).default(["/ip4/0.0.0.0/tcp/9100"]), {
          description: "Multiaddrs to listen on (comma-separated in env).",
          example: "/ip4/0.0.0.0/tcp/9100",
        }),
        announce: meta(z.array(multiaddr).default([]), {
          description: "Public multiaddrs to announce to peers, when they differ from the listen addresses.",
          example: "/dns4/node.example.org/tcp/9100",
        }),
        bootstrap: meta(z.array(multiaddr).default([]), {
          description: "Bootstrap peers, as multiaddrs with /p2p/<peer id>.",
          example: "/ip4/203.0.113.7/tcp/9100/p2p/12D3KooW…",
        }),
        keyFile: meta(z.string().optional(), {
          description:
            "libp2p identity key file (created 0600 if missing). Defaults to <dataDir>/p2p/identity.key.",
          example: "/var/lib/olnode/p2p/identity.key",
        }),
        maxConnections: meta(z.int().min(1).max(10_000).default(100), {
          description: "Upper bound on open libp2p connections.",
          example: "200",
        }),
      })
      .strict()
      .default({
        enabled: true,
        listen: ["/ip4/0.0.0.0/tcp/9100"],
        announce: [],
        bootstrap: [],
        maxConnections: 100,
      }),
    worker: z
      .object({
        enabled: meta(z.boolean().default(true), {
          description: "Run the testnet point-earning worker (needs an operator key).",
          example: "false",
        }),
        keystoreFile: meta(z.string().optional(), {
          description:
            "Encrypted operator keystore (`olnode keys new`). Defaults to <dataDir>/keys/operator.json.",
          example: "/run/secrets/operator.json",
        }),
        passwordFile: meta(z.string().optional(), {
          description: "File holding the keystore password (mount it read-only). Without it the CLI prompts.",
          example: "/run/secrets/operator.password",
          secret: true,
        }),
        stake: meta(
          z
            .string()
            .regex(/^\d+(\.\d{1,18})?$/, { error: "expected an OPEN amount such as 1.5" })
            .default("1"),
          {
            description: "OPEN staked when the worker registers.",
            example: "10",
          },
        ),
        maxFeePerGasGwei: meta(z.number().positive().default(100), {
          description: "Ceiling on maxFeePerGas when bumping fees, in gwei.",
          example: "50",
        }),
      })
      .strict()
      .default({ enabled: true, stake: "1", maxFeePerGasGwei: 100 }),
    http: z
      .object({
        host: meta(z.string().min(1).default("127.0.0.1"), {
          description: "Interface of the node's HTTP server (/health, /ready, /status, /metrics).",
          example: "0.0.0.0",
        }),
        port: meta(port.default(9400), {
          description: "Port of the node's HTTP server.",
          example: "9400",
        }),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 9400 }),
    log: z
      .object({
        level: meta(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"), {
          description: "Log level.",
          example: "debug",
        }),
        format: meta(z.enum(["json", "pretty", "auto"]).default("auto"), {
          description: "Log format: JSON lines, pretty, or auto (pretty on a TTY, JSON otherwise).",
          example: "json",
        }),
      })
      .strict()
      .default({ level: "info", format: "auto" }),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
/** The parsed configuration before network presets are applied. */
export type ParsedConfig = z.output<typeof configSchema>;
