import { CONFIG_FIELDS } from "./configFields.ts";
import type { Config } from "./loadConfig.ts";
import { MASK, maskUrl } from "./maskUrl.ts";

const SECRET_KEYS = new Set(CONFIG_FIELDS.filter((f) => f.meta.secret).map((f) => f.key));
const URL_KEYS = new Set(CONFIG_FIELDS.filter((f) => /url$/i.test(f.key)).map((f) => f.key));

/**
 * A copy of the config safe to print or log: secret fields are masked, and every URL field (database, RPCs)
 * goes through maskUrl, so host and database stay visible but passwords and API keys do not.
 */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone({ ...config, sources: undefined }) as Record<string, unknown>;
  delete copy.sources;
  for (const key of new Set([...SECRET_KEYS, ...URL_KEYS])) {
    const path = key.split(".");
    let node = copy;
    for (const p of path.slice(0, -1)) node = (node[p] ?? {}) as Record<string, unknown>;
    const last = path[path.length - 1]!;
    const v = node[last];
    if (typeof v === "string") node[last] = URL_KEYS.has(key) ? maskUrl(v) : MASK;
  }
  return copy;
}
