import { CONFIG_FIELDS } from "./configFields.ts";
import type { Config } from "./loadConfig.ts";

const SECRET_KEYS = new Set(CONFIG_FIELDS.filter((f) => f.meta.secret).map((f) => f.key));

/** Hides the password in a URL but keeps host and database, which are what one checks. */
function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "***";
  }
}

/** A copy of the config safe to print or log: secret fields are masked, URL passwords removed. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone({ ...config, sources: undefined }) as Record<string, unknown>;
  delete copy.sources;
  for (const key of SECRET_KEYS) {
    const path = key.split(".");
    let node = copy;
    for (const p of path.slice(0, -1)) node = (node[p] ?? {}) as Record<string, unknown>;
    const last = path[path.length - 1]!;
    const v = node[last];
    if (typeof v === "string") node[last] = key.endsWith("url") || key.endsWith("Url") ? redactUrl(v) : "***";
  }
  return copy;
}
