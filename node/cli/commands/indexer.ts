import { resolve } from "node:path";
import { createLogger } from "../../../config/common/createLogger.ts";
import { loadConfig, requireConfig } from "../../../config/loadConfig.ts";
import { startIndexer } from "../../../indexer/startIndexer.ts";
import { requireContracts } from "../../daemon/requireContracts.ts";
import { type Command, configOption, EXIT } from "../command.ts";

export const indexerCommand: Command = {
  name: ["indexer"],
  summary: "Run the indexer (Ponder): GraphQL, SQL over HTTP and the REST explorer API",
  usage: "olnode indexer [--config <file>]",
  help: [
    "Runs `ponder start` on the same configuration as `olnode start` (database.url, contracts.*, chain.*,",
    "indexer.host/port, database.indexerSchema and viewsSchema). Restarting resumes where it stopped.",
    "",
    "Options:",
    "  -c, --config <file>   JSON config file",
  ].join("\n"),
  options: { ...configOption },
  async run({ values, env, stderr }) {
    const file = values.config as string | undefined;
    const config = loadConfig({ file, env });
    requireConfig(config, "database.url", config.database.url, "for `olnode indexer`");
    requireContracts(config, "for `olnode indexer`");
    const logger = createLogger({ level: config.log.level, format: config.log.format, name: "indexer" });
    const indexer = await startIndexer({
      env: { ...env, ...(file ? { OLNODE_CONFIG: resolve(file) } : {}) },
      port: config.indexer.port,
      readyTimeoutMs: 24 * 3600_000,
      waitFor: "health",
      onLog: (line) => process.stdout.write(`${line}\n`),
    });
    logger.info({ msg: "Indexer running", url: indexer.url });
    const signal = new Promise<string>((r) => {
      process.once("SIGINT", () => r("SIGINT"));
      process.once("SIGTERM", () => r("SIGTERM"));
    });
    const outcome = await Promise.race([signal, indexer.exited.then(() => "exit")]);
    if (outcome === "exit") {
      const { code, signal: s } = await indexer.exited;
      stderr.write(`olnode indexer: ponder exited (code ${code}, signal ${s}).\n`);
      return EXIT.failure;
    }
    await indexer.stop();
    return EXIT.ok;
  },
};
