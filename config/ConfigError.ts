import { NonRetryableUserError } from "./errors/BaseError.ts";

export type ConfigIssue = {
  /** Dotted field path, e.g. `p2p.maxConnections` (empty for the file as a whole). */
  field: string;
  /** Where the value came from: `env OLNODE__P2P__MAX_CONNECTIONS`, `file ./olnode.json`, `default`. */
  source: string;
  /** What is wrong and what was expected, with an example. */
  problem: string;
};

/** A configuration that cannot be used. One line per issue, each naming the field and where it came from. */
export class ConfigError extends NonRetryableUserError {
  override name = "ConfigError";
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], hint = "Run `olnode config check` to see the whole configuration.") {
    const lines = issues.map((i) => `${i.field || "config"} (${i.source}): ${i.problem}`);
    super(`Invalid config: ${lines.join("; ")}`, { hint });
    this.issues = issues;
  }
}
