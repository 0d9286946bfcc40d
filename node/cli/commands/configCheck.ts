import { loadConfig } from "../../../config/loadConfig.ts";
import { redactConfig } from "../../../config/redactConfig.ts";
import { type Command, configOption, EXIT } from "../command.ts";

export const configCheckCommand: Command = {
  name: ["config", "check"],
  summary: "Validate the configuration and print it (secrets masked) with where each value came from",
  usage: "olnode config check [--config <file>] [--json]",
  help: [
    "Loads defaults, the config file (--config or OLNODE_CONFIG) and OLNODE__* environment variables exactly as",
    "`olnode start` would. Exits 0 when valid, 3 with one line per problem otherwise.",
    "",
    "Options:",
    "  -c, --config <file>   JSON config file",
    "      --json            print the resolved config as JSON only",
  ].join("\n"),
  options: { ...configOption, json: { type: "boolean" } },
  async run({ values, stdout, env }) {
    const config = loadConfig({ file: values.config as string | undefined, env });
    const redacted = redactConfig(config);
    if (values.json) {
      stdout.write(`${JSON.stringify(redacted, null, 2)}\n`);
      return EXIT.ok;
    }
    stdout.write(`Config is valid (network ${config.network}, chain ${config.chain.chainId}).\n\n`);
    const rows: [string, string, string][] = [];
    const walk = (value: unknown, path: string[]) => {
      if (typeof value === "object" && value !== null && !Array.isArray(value) && path[0] !== "preset") {
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      } else if (path[0] !== "preset") {
        const key = path.join(".");
        rows.push([key, value === undefined ? "—" : JSON.stringify(value), config.sources[key] ?? "default"]);
      }
    };
    walk(redacted, []);
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.min(60, Math.max(...rows.map((r) => r[1].length)));
    for (const [k, v, s] of rows) stdout.write(`${k.padEnd(w0)}  ${v.padEnd(w1)}  ${s}\n`);
    return EXIT.ok;
  },
};
