import { createCommon } from "../../../config/common/createCommon.ts";
import { loadConfig, requireConfig } from "../../../config/loadConfig.ts";
import { createNode } from "../../daemon/createNode.ts";
import { requireContracts } from "../../daemon/requireContracts.ts";
import { type Command, configOption, EXIT } from "../command.ts";
import { loadOperatorAccount } from "./loadOperatorAccount.ts";

export const startCommand: Command = {
  name: ["start"],
  summary: "Run the node daemon: chain follower, p2p, worker and the HTTP server",
  usage: "olnode start [--config <file>]",
  help: [
    "Needs database.url (the indexer's Postgres), the contract addresses and, with worker.enabled, the operator",
    "keystore (worker.keystoreFile) and its password (worker.passwordFile, or a prompt on a terminal).",
    "Serves /health, /ready, /status and /metrics on http.host:http.port. SIGINT/SIGTERM stop it cleanly.",
    "",
    "Options:",
    "  -c, --config <file>   JSON config file",
  ].join("\n"),
  options: { ...configOption },
  async run({ values, env, stderr }) {
    const config = loadConfig({ file: values.config as string | undefined, env });
    const common = createCommon({ level: config.log.level, format: config.log.format, name: "olnode" });
    // Everything a key cannot fix is checked before the password is asked for.
    requireConfig(config, "database.url", config.database.url, "for `olnode start`");
    requireContracts(config, "for `olnode start`");
    const account = config.worker.enabled ? await loadOperatorAccount(config) : undefined;
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        common.logger.info({ msg: "Stopping", signal });
        void common.shutdown.kill(signal).then(resolve);
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    try {
      await createNode(common, config, account ? { account } : {});
    } catch (error) {
      await common.shutdown.kill("start failed");
      throw error;
    }
    await stopped;
    stderr.write("olnode stopped.\n");
    return EXIT.ok;
  },
};
