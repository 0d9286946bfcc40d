import { type Command, configOption, EXIT } from "../command.ts";

export const devnetCommand: Command = {
  name: ["devnet"],
  summary: "Run a local devnet: anvil L2, Postgres, contracts, indexer, nodes and a traffic generator",
  usage: "olnode devnet [--config <file>]",
  help: [
    "Not built yet: the devnet arrives with issue 8 (it needs the contracts, indexer, p2p and worker).",
  ].join("\n"),
  options: { ...configOption },
  async run({ stderr }) {
    stderr.write(
      "olnode devnet is not built yet.\n" +
        "What works today: `npm test` (config, test harness, and each component's suite) and `olnode config check`.\n" +
        "The devnet (anvil + Postgres + contracts + indexer + nodes + traffic) lands with issue 8.\n",
    );
    return EXIT.failure;
  },
};
