import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../config/ConfigError.ts";
import { FIELDS_BY_KEY } from "../config/configFields.ts";
import { RetryableError } from "../config/errors/BaseError.ts";
import { loadConfig } from "../config/loadConfig.ts";
import { maskUrlsInText } from "../config/maskUrl.ts";
import { allocatePort, releasePort } from "../config/services/allocatePort.ts";
import { stopChild, trackChild } from "../config/services/childProcesses.ts";

/** The Ponder app's root: ponder.config.ts, ponder.schema.ts, src/. Ponder writes .ponder/ and generated/ here. */
export const INDEXER_ROOT = dirname(fileURLToPath(import.meta.url));

export type StartIndexerParameters = {
  /** Environment of the indexer process; defaults to this process's. */
  env?: Record<string, string | undefined>;
  /** Config values by dotted key (e.g. `contracts.startBlock`), passed to the child as OLNODE__* env. */
  overrides?: Record<string, string | number | boolean | readonly string[]>;
  /** HTTP port; defaults to a free one. */
  port?: number;
  /** Postgres schema of this deployment's index; defaults to `database.indexerSchema`. */
  schema?: string;
  /** Stable schema of views for readers; defaults to `database.viewsSchema`. `null` for none. */
  viewsSchema?: string | null;
  /** Each log line of the child (Ponder logs JSON lines), URLs masked. */
  onLog?: (line: string) => void;
  /** How long to wait for /ready (historical backfill done), ms. Default 120 s. */
  readyTimeoutMs?: number;
  /** Another Ponder app to run with the same config (the benchmark's minimal baseline app). Default: this one. */
  root?: string;
  /** Resolve once /health answers instead of /ready (to watch a backfill from outside). */
  waitFor?: "ready" | "health";
};

export type IndexerProcess = {
  url: string;
  port: number;
  pid: number;
  schema: string;
  viewsSchema: string | null;
  /** Resolves when the child exits, with its exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for /ready (e.g. after starting with waitFor "health"). */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s: Ponder releases its schema lock on a clean stop. */
  stop(): Promise<void>;
  /** SIGKILL now, like a crash: the schema lock stays until its heartbeat expires (~25 s). */
  kill(): Promise<void>;
};

export class IndexerStartError extends RetryableError {
  override name = "IndexerStartError";
}

function ponderBin(): string {
  // ponder's exports map has only "import" for ".": resolve that (dist/esm/index.js) and go to its bin.
  return join(dirname(fileURLToPath(import.meta.resolve("ponder"))), "bin", "ponder.js");
}

function toEnv(overrides: NonNullable<StartIndexerParameters["overrides"]>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(overrides)) {
    const field = FIELDS_BY_KEY.get(key);
    if (!field) {
      throw new ConfigError([
        { field: key, source: "program", problem: "unknown setting passed to startIndexer" },
      ]);
    }
    env[field.env] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return env;
}

/**
 * Runs `ponder start` for the indexer as a child process and resolves once it is ready (historical
 * backfill done, /ready 200). The child reads the one sidecar config (OLNODE__* env, OLNODE_CONFIG,
 * DATABASE_URL, the deployment file); the config is validated here first so a bad one fails fast with
 * the loader's message instead of a Ponder build error.
 */
export async function startIndexer(parameters: StartIndexerParameters = {}): Promise<IndexerProcess> {
  const env: Record<string, string | undefined> = {
    ...(parameters.env ?? process.env),
    ...toEnv(parameters.overrides ?? {}),
  };
  const config = loadConfig({ env });
  const schema = parameters.schema ?? config.database.indexerSchema;
  const viewsSchema =
    parameters.viewsSchema === undefined ? config.database.viewsSchema : parameters.viewsSchema;
  const port = parameters.port ?? (await allocatePort());
  const root = parameters.root ?? INDEXER_ROOT;
  const args = [ponderBin(), "start", "--root", root, "--port", String(port), "--schema", schema];
  args.push("--hostname", config.indexer.host, "--log-format", "json");
  if (viewsSchema) args.push("--views-schema", viewsSchema);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...env, PONDER_TELEMETRY_DISABLED: "true", NODE_ENV: env.NODE_ENV ?? "production" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  trackChild(child);
  let tail = "";
  let partial = "";
  const onData = (data: Buffer) => {
    const text = partial + data.toString();
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    // Ponder's lines carry RPC and database URLs (in errors, its start-up banner): masked before anyone sees them.
    for (const line of lines.map(maskUrlsInText)) {
      tail = `${tail}${line}\n`.slice(-4000);
      if (line) parameters.onLog?.(line);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const host = config.indexer.host === "0.0.0.0" ? "127.0.0.1" : config.indexer.host;
  const url = `http://${host}:${port}`;

  async function waitFor(path: "/ready" | "/health", timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    while (Date.now() < deadline) {
      if (gone) {
        const { code, signal } = await exited;
        throw new IndexerStartError(
          `ponder start exited before it was ready (code ${code}, signal ${signal}).`,
          {
            details: tail.slice(-2000),
            hint: "Check the config (addresses, database.url, chain.l2RpcUrl) and that the schema is not used by another deployment.",
          },
        );
      }
      try {
        const res = await fetch(url + path, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new IndexerStartError(`The indexer was not ${path.slice(1)} within ${timeoutMs} ms.`, {
      details: tail.slice(-2000),
      hint: "A large backfill takes longer: raise readyTimeoutMs, or watch /status.",
    });
  }

  const handle: IndexerProcess = {
    url,
    port,
    pid: child.pid!,
    schema,
    viewsSchema,
    exited,
    ready: (timeoutMs = parameters.readyTimeoutMs ?? 120_000) => waitFor("/ready", timeoutMs),
    async stop() {
      await stopChild(child, "SIGTERM", 10_000);
      releasePort(port);
    },
    async kill() {
      await stopChild(child, "SIGKILL");
      releasePort(port);
    },
  };
  try {
    if (parameters.waitFor === "health") await waitFor("/health", parameters.readyTimeoutMs ?? 120_000);
    else await handle.ready();
  } catch (error) {
    await handle.kill();
    throw error;
  }
  return handle;
}
