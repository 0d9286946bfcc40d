import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createLogger, type Logger } from "../../../config/common/createLogger.ts";
import { firstLine } from "../../../config/errors/firstLine.ts";
import { loadConfig } from "../../../config/loadConfig.ts";
import { DEVNET_KEYS } from "../../../contracts/deploy/devnetKeys.ts";
import { devnetDir, startDevnet } from "../../devnet/startDevnet.ts";
import { type Command, configOption, EXIT } from "../command.ts";

async function summary(restUrl: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${restUrl}/stats`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    const s = (await res.json()) as Record<string, unknown>;
    return Object.entries(s)
      .filter(([, v]) => typeof v === "number" || typeof v === "string")
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
  } catch {
    return undefined;
  }
}

/**
 * Everything the devnet started is gone when this runs; anything still holding the event loop (a socket
 * a library did not close) must not keep the process, and its ports, alive after "stopped". It is named in
 * the log so it can be fixed, and the process exits anyway.
 */
function exitSoon(logger: Logger): void {
  setTimeout(() => {
    logger.warn({
      msg: "Still open after the devnet stopped; exiting anyway",
      open: process.getActiveResourcesInfo(),
    });
    logger.flush?.();
    process.exit(process.exitCode ?? 0);
  }, 3_000).unref();
}

export const devnetCommand: Command = {
  name: ["devnet"],
  summary: "Run a local devnet: anvil L2, Postgres, contracts, indexer, nodes and a traffic generator",
  usage: "olnode devnet [--nodes <n>] [--no-traffic] [--verbose] [--config <file>]",
  help: [
    "Starts anvil (--network optimism) as the L2, an embedded Postgres (or a fresh database on DATABASE_URL),",
    "deploys the contracts, runs the indexer, n olnode nodes (p2p + worker) and a traffic generator, then prints",
    "the URLs. Everything lives under <dataDir>/devnet and is wiped at the next start. Ctrl-C stops it all.",
    "",
    "Options:",
    "  -c, --config <file>   JSON config file (dataDir, database.url)",
    `      --nodes <n>       nodes with workers, 1 to ${DEVNET_KEYS.workers.length} (default 3)`,
    "      --no-traffic      no generated Datanets, contributions or inferences",
    "      --verbose         stream every log line to stdout (default: <dataDir>/devnet/devnet.log)",
  ].join("\n"),
  options: {
    ...configOption,
    nodes: { type: "string" },
    "no-traffic": { type: "boolean" },
    verbose: { type: "boolean" },
  },
  async run({ values, stdout, stderr, env }) {
    const config = loadConfig({ file: values.config as string | undefined, env });
    const nodes = values.nodes === undefined ? 3 : Number(values.nodes);
    const most = DEVNET_KEYS.workers.length;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > most) {
      stderr.write(`olnode devnet: --nodes must be a whole number from 1 to ${most}.\n`);
      return EXIT.usage;
    }
    const dir = devnetDir(config.dataDir);
    mkdirSync(dir, { recursive: true });
    const logFile = join(dir, "..", "devnet.log");
    const logger = values.verbose
      ? createLogger({ level: "info", format: config.log.format })
      : createLogger({ level: "info", format: "json", destination: createWriteStream(logFile) });
    const started = Date.now();
    const say = (m: string) =>
      stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${m}\n`);
    // Ctrl-C reaches only this process (the services run in their own process groups): it stops them in
    // order, and says "stopped" once none of them is left. During start-up it aborts the start instead.
    const abort = new AbortController();
    const requested = new Promise<void>((resolve) => {
      const onSignal = () => {
        if (!abort.signal.aborted) say("stopping…");
        abort.abort();
        resolve();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    });
    let devnet: Awaited<ReturnType<typeof startDevnet>>;
    try {
      devnet = await startDevnet({
        dir,
        nodes,
        databaseUrl: config.database.url,
        traffic: !values["no-traffic"],
        logger,
        onProgress: say,
        signal: abort.signal,
      });
    } catch (error) {
      if (abort.signal.aborted) {
        // startDevnet stopped what it had started before rejecting.
        say("stopped");
        exitSoon(logger);
        return EXIT.ok;
      }
      say(`failed: ${firstLine(error)}`);
      if (!values.verbose) say(`see ${logFile}`);
      throw error;
    }
    stdout.write(
      [
        "",
        `devnet is up after ${((Date.now() - started) / 1000).toFixed(1)} s:`,
        `  L2 JSON-RPC (anvil)  ${devnet.rpcUrl}   chain id 31337`,
        `  GraphQL              ${devnet.graphqlUrl}`,
        `  REST explorer API    ${devnet.restUrl}`,
        `  SQL over HTTP        ${devnet.indexerUrl}/sql`,
        ...devnet.nodes.map((n) => `  ${n.name} status       ${n.httpUrl}/status   (worker ${n.address})`),
        `  deployment           ${devnet.deploymentFile}`,
        `  logs                 ${values.verbose ? "stdout" : logFile}`,
        "",
        "Contributions are validated by the workers each 30-block epoch; points follow. Ctrl-C stops everything.",
        "",
      ].join("\n"),
    );
    const timer = setInterval(async () => {
      const s = await summary(devnet.restUrl);
      const t = devnet.traffic?.counts();
      say(
        `${s ?? ""}${
          t
            ? ` | traffic ${Object.entries(t)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ")}`
            : ""
        }`,
      );
    }, 15_000);
    await requested;
    clearInterval(timer);
    await devnet.stop();
    say("stopped");
    exitSoon(logger);
    return EXIT.ok;
  },
};
