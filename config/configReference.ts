import { CONFIG_FIELDS } from "./configFields.ts";
import { ENV_ALIASES } from "./loadConfig.ts";
import { NETWORKS } from "./networks.ts";

/** docs/configuration.md, generated from the schema (`npm run docs:config`); a test keeps them equal. */
export function renderConfigReference(): string {
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated from config/schema.ts by `npm run docs:config`. Do not edit by hand: a test compares. -->",
    "",
    "Every `olnode` command reads one configuration: defaults, then a JSON config file (`--config <file>` or",
    "`OLNODE_CONFIG`), then environment variables, later ones winning. Env names are `OLNODE__<SECTION>__<FIELD>`",
    "in upper snake case; arrays are comma-separated. `olnode config check` prints the result (secrets masked)",
    "with the source of every value.",
    "",
    `Conventional aliases, used when the namespaced variable is unset: ${Object.entries(ENV_ALIASES)
      .map(([a, t]) => `\`${a}\` → \`${t}\``)
      .join(", ")}.`,
    "",
    "## Networks",
    "",
    "| network | chain id | what |",
    "|---|---|---|",
    ...Object.values(NETWORKS).map((n) => `| \`${n.name}\` | ${n.chainId} | ${n.description} |`),
    "",
    "## Fields",
    "",
    "| field | env | type | default | description |",
    "|---|---|---|---|---|",
  ];
  for (const f of CONFIG_FIELDS) {
    const type = f.kind === "enum" ? f.options!.map((o) => `\`${o}\``).join(" \\| ") : f.kind;
    const def = f.defaultValue === undefined ? "—" : `\`${JSON.stringify(f.defaultValue)}\``;
    const desc = `${f.meta.description}${f.meta.secret ? " **Secret**: masked when printed." : ""} Example: \`${f.meta.example}\``;
    lines.push(`| \`${f.key}\` | \`${f.env}\` | ${type} | ${def} | ${desc.replaceAll("|", "\\|")} |`);
  }
  return `${lines.join("\n")}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(new URL("../docs/configuration.md", import.meta.url), renderConfigReference());
}
