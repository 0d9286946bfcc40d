import { loadConfig } from "../../../config/loadConfig.ts";
import { type Command, configOption, EXIT } from "../command.ts";

export const statusCommand: Command = {
  name: ["status"],
  summary: "Ask a running node for its status and readiness",
  usage: "olnode status [--url <node http url>] [--config <file>]",
  help: [
    "Prints the node's /status JSON and its /ready checks. Exits 0 when ready, 1 when not ready or unreachable.",
    "",
    "Options:",
    "  -c, --config <file>   JSON config file (http.host / http.port locate the node)",
    "      --url <url>       the node's HTTP URL, e.g. http://127.0.0.1:9400",
  ].join("\n"),
  options: { ...configOption, url: { type: "string" } },
  async run({ values, env, stdout, stderr }) {
    const config = loadConfig({ file: values.config as string | undefined, env });
    const host = config.http.host === "0.0.0.0" ? "127.0.0.1" : config.http.host;
    const base = (values.url as string | undefined) ?? `http://${host}:${config.http.port}`;
    try {
      const [status, ready] = await Promise.all([
        fetch(`${base}/status`, { signal: AbortSignal.timeout(5000) }),
        fetch(`${base}/ready`, { signal: AbortSignal.timeout(5000) }),
      ]);
      const body = { ready: (await ready.json()) as unknown, status: (await status.json()) as unknown };
      stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return ready.ok ? EXIT.ok : EXIT.failure;
    } catch (error) {
      stderr.write(
        `olnode status: no node answers at ${base} (${(error as Error).message}). Is \`olnode start\` running?\n`,
      );
      return EXIT.failure;
    }
  },
};
