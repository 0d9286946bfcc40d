import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { z } from "zod/v4";
import { ConfigError, type ConfigIssue } from "./ConfigError.ts";
import { CONFIG_FIELDS, type ConfigField, ENV_PREFIX, FIELDS_BY_ENV, FIELDS_BY_KEY } from "./configFields.ts";
import { maskUrlsInText } from "./maskUrl.ts";
import { NETWORKS, type NetworkPreset } from "./networks.ts";
import { configSchema, type ParsedConfig } from "./schema.ts";

/** The configuration every command runs with: parsed, with the network preset applied. */
export type Config = ParsedConfig & {
  chain: ParsedConfig["chain"] & { l2RpcUrl: string; chainId: number };
  preset: NetworkPreset;
  /** Where each field's value came from, for `olnode config check` and error messages. */
  sources: Record<string, string>;
};

export type LoadConfigParameters = {
  /** Config file (JSON). Default: the OLNODE_CONFIG env var, else none. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Values set by the program itself (the devnet sets ports); they win over everything. */
  overrides?: Record<string, unknown>;
  /**
   * false: resolve `contracts.deploymentFile` to an absolute path but do not read it (`olnode deploy` writes
   * it). Default true.
   */
  readDeploymentFile?: boolean;
};

/**
 * Conventional env names operators already use, read when the namespaced one is absent. The namespaced
 * name always wins, so a compose file can set both without surprises.
 */
export const ENV_ALIASES: Record<string, string> = {
  DATABASE_URL: "OLNODE__DATABASE__URL",
  L2_RPC_URL: "OLNODE__CHAIN__L2_RPC_URL",
  ROLLUP_RPC_URL: "OLNODE__CHAIN__ROLLUP_RPC_URL",
};

const NON_FIELD_ENV = new Set(["OLNODE__CONFIG"]);

function example(field: ConfigField | undefined): string {
  return field?.meta.example ? `, e.g. ${field.meta.example}` : "";
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown) {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function flatten(
  value: unknown,
  prefix: string[] = [],
  out: [string[], unknown][] = [],
): [string[], unknown][] {
  if (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    FIELDS_BY_KEY.get(prefix.join(".")) === undefined
  ) {
    for (const [k, v] of Object.entries(value)) flatten(v, [...prefix, k], out);
  } else {
    out.push([prefix, value]);
  }
  return out;
}

/** Closest known env name, for "did you mean" on a typo. */
function closestEnv(name: string): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of FIELDS_BY_ENV.keys()) {
    const score = levenshtein(name, candidate);
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return bestScore <= Math.max(3, name.length / 4) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Turns an env string into the field's type; a value that cannot be converted is reported, not guessed. */
function fromEnv(field: ConfigField, raw: string, source: string, issues: ConfigIssue[]): unknown {
  const value = raw.trim();
  switch (field.kind) {
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(value)) return true;
      if (/^(false|0|no|off)$/i.test(value)) return false;
      issues.push({
        field: field.key,
        source,
        problem: `expected true or false, got ${shown(field, raw)}`,
      });
      return undefined;
    case "integer":
    case "number": {
      const n = Number(value);
      if (value === "" || !Number.isFinite(n) || (field.kind === "integer" && !Number.isInteger(n))) {
        const what = field.kind === "integer" ? "a whole number" : "a number";
        issues.push({
          field: field.key,
          source,
          problem: `expected ${what}, got ${shown(field, raw)}${example(field)}`,
        });
        return undefined;
      }
      return n;
    }
    case "array":
      return value === ""
        ? []
        : value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean);
    default:
      return value;
  }
}

/** A value as an error may echo it: a secret field's value is never shown, URLs lose their credentials. */
function shown(field: ConfigField | undefined, value: unknown): string {
  if (value === undefined) return "nothing";
  if (field?.meta.secret && !/url$/i.test(field.key)) return "a value (hidden: the field is secret)";
  return maskUrlsInText(JSON.stringify(value) ?? String(value));
}

function describeIssue(issue: z.core.$ZodIssue, field: ConfigField | undefined, value: unknown): string {
  const got = shown(field, value);
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; remove ${issue.keys.length > 1 ? "them" : "it"} or check the spelling (docs/configuration.md lists every field)`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`;
    case "invalid_type":
      if (value === undefined) return `is required${example(field)}`;
      return `expected ${issue.expected === "int" ? "a whole number" : issue.expected}, got ${got}${example(field)}`;
    default:
      return `${issue.message.replace(/^Invalid input: /, "")}, got ${got}${example(field)}`;
  }
}

function readJsonFile(path: string, what: string, field: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([
      {
        field,
        source: `file ${path}`,
        problem: `cannot read the ${what} (${code ?? String(error)}); check the path`,
      },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([
      {
        field,
        source: `file ${path}`,
        problem: `the ${what} is not valid JSON: ${maskUrlsInText((error as Error).message)}`,
      },
    ]);
  }
}

type Deployment = { chainId?: number; startBlock?: number; addresses?: Record<string, string> };

/**
 * Loads the configuration: defaults ← config file ← environment ← program overrides, validates it, applies
 * the network preset and the deployment file. Throws ConfigError listing every problem, each naming the
 * field and where its value came from.
 */
export function loadConfig(parameters: LoadConfigParameters = {}): Config {
  const env = parameters.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  const sources: Record<string, string> = {};

  const file = parameters.file ?? env.OLNODE_CONFIG ?? env.OLNODE__CONFIG;
  let fileDir = process.cwd();
  if (file) {
    const path = resolve(file);
    fileDir = dirname(path);
    const parsed = readJsonFile(path, "config file", "");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError([
        { field: "", source: `file ${path}`, problem: "the config file must hold a JSON object" },
      ]);
    }
    for (const [p, v] of flatten(parsed)) {
      setPath(input, p, v);
      sources[p.join(".")] = `file ${file}`;
    }
  }

  const envEntries: [string, string][] = [];
  for (const [alias, target] of Object.entries(ENV_ALIASES)) {
    const v = env[alias];
    if (v !== undefined && v !== "" && env[target] === undefined) envEntries.push([target, v]);
  }
  for (const [name, v] of Object.entries(env)) {
    if (name.startsWith(ENV_PREFIX) && v !== undefined && !NON_FIELD_ENV.has(name))
      envEntries.push([name, v]);
  }
  for (const [name, raw] of envEntries) {
    const alias = Object.entries(ENV_ALIASES).find(([, t]) => t === name && env[name] === undefined)?.[0];
    const source = `env ${alias ?? name}`;
    const field = FIELDS_BY_ENV.get(name);
    if (!field) {
      const guess = closestEnv(name);
      issues.push({
        field: name,
        source: "env",
        problem: `unknown setting${guess ? `; did you mean ${guess}?` : "; docs/configuration.md lists every env name"}`,
      });
      continue;
    }
    const value = fromEnv(field, raw, source, issues);
    if (value !== undefined) {
      setPath(input, field.path, value);
      sources[field.key] = source;
    }
  }

  for (const [key, value] of Object.entries(parameters.overrides ?? {})) {
    setPath(input, key.split("."), value);
    sources[key] = "program";
  }
  if (issues.length) throw new ConfigError(issues);

  const result = configSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      const key = path.join(".");
      const field = FIELDS_BY_KEY.get(key);
      let value: unknown = input;
      for (const p of path) value = (value as Record<string, unknown> | undefined)?.[p];
      const source =
        issue.code === "unrecognized_keys"
          ? (Object.entries(sources).find(([k]) => k.startsWith(key ? `${key}.` : ""))?.[1] ?? "config")
          : (sources[key] ?? "default");
      issues.push({ field: key, source, problem: describeIssue(issue, field, value) });
    }
    throw new ConfigError(issues);
  }
  const parsed = result.data;
  for (const f of CONFIG_FIELDS) sources[f.key] ??= f.defaultValue === undefined ? "unset" : "default";

  const preset = NETWORKS[parsed.network];
  const chainId = parsed.chain.chainId ?? preset.chainId;
  if (chainId !== preset.chainId && parsed.network !== "devnet") {
    throw new ConfigError([
      {
        field: "chain.chainId",
        source: sources["chain.chainId"]!,
        problem: `${chainId} does not match network ${parsed.network} (chain ${preset.chainId}); fix network or chainId`,
      },
    ]);
  }
  if (!parsed.chain.l2RpcUrl) sources["chain.l2RpcUrl"] = `preset ${preset.name}`;
  if (!parsed.chain.chainId) sources["chain.chainId"] = `preset ${preset.name}`;

  const contracts = { ...parsed.contracts };
  if (contracts.deploymentFile && parameters.readDeploymentFile === false) {
    contracts.deploymentFile = isAbsolute(contracts.deploymentFile)
      ? contracts.deploymentFile
      : resolve(fileDir, contracts.deploymentFile);
  } else if (contracts.deploymentFile) {
    const path = isAbsolute(contracts.deploymentFile)
      ? contracts.deploymentFile
      : resolve(fileDir, contracts.deploymentFile);
    if (!existsSync(path)) {
      throw new ConfigError([
        {
          field: "contracts.deploymentFile",
          source: sources["contracts.deploymentFile"]!,
          problem: `${path} does not exist; deploy first (the devnet writes it) or set the contract addresses`,
        },
      ]);
    }
    const deployment = readJsonFile(path, "deployment file", "contracts.deploymentFile") as Deployment;
    if (deployment.chainId !== undefined && deployment.chainId !== chainId) {
      throw new ConfigError([
        {
          field: "contracts.deploymentFile",
          source: sources["contracts.deploymentFile"]!,
          problem: `${path} is for chain ${deployment.chainId}, but this node runs on chain ${chainId}`,
        },
      ]);
    }
    const c = contracts as Record<string, unknown>;
    for (const [name, addr] of Object.entries(deployment.addresses ?? {})) {
      if (c[name] === undefined && FIELDS_BY_KEY.has(`contracts.${name}`)) {
        c[name] = addr;
        sources[`contracts.${name}`] = `file ${contracts.deploymentFile}`;
      }
    }
    if (sources["contracts.startBlock"] === "default" && deployment.startBlock !== undefined) {
      contracts.startBlock = deployment.startBlock;
      sources["contracts.startBlock"] = `file ${contracts.deploymentFile}`;
    }
  }

  return {
    ...parsed,
    contracts,
    chain: { ...parsed.chain, l2RpcUrl: parsed.chain.l2RpcUrl ?? preset.l2RpcUrl, chainId },
    preset,
    sources,
  };
}

/** Throws a ConfigError when a field a command needs is unset, saying how to set it. */
export function requireConfig<T>(config: Config, key: string, value: T | undefined, why: string): T {
  if (value !== undefined && value !== null && value !== "") return value;
  const field = FIELDS_BY_KEY.get(key);
  throw new ConfigError([
    {
      field: key,
      source: config.sources[key] ?? "unset",
      problem: `is required ${why}: set ${field?.env ?? key} or "${key}" in the config file${example(field)}`,
    },
  ]);
}
