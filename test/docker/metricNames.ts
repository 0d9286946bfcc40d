import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { collectDefaultMetrics, Registry } from "prom-client";
import { METRICS_PREFIX } from "../../config/common/createMetrics.ts";
import { REPO_DIR } from "./composeConfig.ts";

/**
 * Metrics of the services this repository does not build, as the pinned releases in docker/compose.yaml export
 * them. Only what alerts.yml and the dashboards use; add a name here only after checking it in that release's
 * source (the path is given per service).
 */
export const EXTERNAL_METRICS: Record<string, { source: string; names: string[] }> = {
  // go-ethereum metrics registry, exported by --metrics on /debug/metrics/prometheus ("chain/head/block" →
  // chain_head_block): core/blockchain.go, core/txpool/legacypool/legacypool.go, p2p/metrics.go,
  // metrics/metrics.go (CollectProcessMetrics).
  "op-geth": {
    source: "op-geth v1.101702.2 (go-ethereum)",
    names: [
      "chain_head_block",
      "chain_head_header",
      "chain_head_safe",
      "chain_head_finalized",
      "txpool_pending",
      "txpool_queued",
      "p2p_peers",
      "system_memory_used",
      "system_memory_held",
    ],
  },
  // op-node/metrics/metrics.go (namespace op_node_default), op-service/metrics/ref_metrics.go (refs_number,
  // refs_time by layer and type), op-node/p2p metrics (p2p_peer_count), op-service's registry (process_*).
  "op-node": {
    source: "op-node v1.19.2",
    names: [
      "op_node_default_up",
      "op_node_default_refs_number",
      "op_node_default_refs_time",
      "op_node_default_p2p_peer_count",
    ],
  },
  "node-exporter": {
    source: "prometheus/node_exporter (filesystem, meminfo, loadavg, cpu, diskstats, netdev collectors)",
    names: [
      "node_filesystem_avail_bytes",
      "node_filesystem_size_bytes",
      "node_memory_MemAvailable_bytes",
      "node_memory_MemTotal_bytes",
      "node_load1",
      "node_load5",
      "node_cpu_seconds_total",
      "node_disk_read_bytes_total",
      "node_disk_written_bytes_total",
      "node_network_receive_bytes_total",
      "node_network_transmit_bytes_total",
    ],
  },
  "postgres-exporter": {
    source: "prometheus-community/postgres_exporter (default collectors: database, stat_activity, settings)",
    names: [
      "pg_up",
      "pg_database_size_bytes",
      "pg_stat_activity_count",
      "pg_settings_max_connections",
      "pg_stat_database_xact_commit",
      "pg_stat_database_xact_rollback",
    ],
  },
  prometheus: {
    source: "Prometheus itself: the scrape's `up`, and every Go or Node exporter's process start time",
    names: ["up", "process_start_time_seconds"],
  },
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name.startsWith(".")) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith(".js") ? [path] : [];
  });
}

function addWithSuffixes(names: Set<string>, name: string, type: string) {
  names.add(name);
  if (type.toLowerCase() === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
}

/** prom-client's process and Node.js defaults, with a prefix (olnode's registry) or without (Ponder's). */
async function promClientDefaults(prefix: string): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  const names = new Set<string>();
  for (const m of (await registry.getMetricsAsJSON()) as unknown as { name: string; type: string }[])
    addWithSuffixes(names, m.name, m.type);
  registry.clear();
  return names;
}

/** The text of a call's arguments, from just after its `(` to its closing `)` (strings skipped). */
function callArguments(text: string, open: number): string {
  let depth = 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(open, i);
  }
  return text.slice(open);
}

/** The label names each olnode metric is registered with (its `labelNames` array), by full name. */
export function olnodeMetricLabels(): Map<string, Set<string>> {
  const labels = new Map<string, Set<string>>();
  for (const dir of ["config", "p2p", "node", "indexer"]) {
    for (const file of sources(join(REPO_DIR, dir))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\.(counter|gauge|histogram)\(\s*"([a-z0-9_]+)"/g)) {
        const args = callArguments(text, m.index! + m[0].indexOf("(") + 1);
        const arrays = [...args.matchAll(/\[([^\]]*)\]/g)].map((a) => a[1]!.trim());
        const names = arrays.filter((a) => a === "" || /^("[a-z_]+",?\s*)+$/.test(a)).at(-1) ?? "";
        const name = m[2]!.startsWith(METRICS_PREFIX) ? m[2]! : `${METRICS_PREFIX}${m[2]}`;
        labels.set(name, new Set([...names.matchAll(/"([a-z_]+)"/g)].map((l) => l[1]!)));
      }
    }
  }
  return labels;
}

/** Every string literal in the olnode sources: a label value a rule matches on must be one of them. */
export function olnodeStringLiterals(): Set<string> {
  const literals = new Set<string>();
  for (const dir of ["config", "p2p", "node", "indexer", "contracts"])
    for (const file of sources(join(REPO_DIR, dir)))
      for (const m of readFileSync(file, "utf8").matchAll(/"([^"\\\n]{1,60})"/g)) literals.add(m[1]!);
  return literals;
}

/** The `name{label op "value", …}` selectors of a PromQL expression. */
export function selectorsIn(
  expr: string,
): { name: string; matchers: { label: string; op: string; value: string }[] }[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    name: m[1]!,
    matchers: [...m[2]!.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((x) => ({
      label: x[1]!,
      op: x[2]!,
      value: x[3]!,
    })),
  }));
}

/** Every metric the olnode code registers (`metrics.counter("name", …)` and friends) with its prefix. */
export async function olnodeMetrics(): Promise<Set<string>> {
  const names = await promClientDefaults(METRICS_PREFIX);
  for (const dir of ["config", "p2p", "node", "indexer"]) {
    for (const file of sources(join(REPO_DIR, dir))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\.(counter|gauge|histogram)\(\s*"([a-z0-9_]+)"/g)) {
        const name = m[2]!.startsWith(METRICS_PREFIX) ? m[2]! : `${METRICS_PREFIX}${m[2]}`;
        addWithSuffixes(names, name, m[1]!);
      }
    }
  }
  return names;
}

/** Every metric the installed Ponder registers (its dist's `new prometheus.Gauge({ name: … })`), plus its process defaults. */
export async function ponderMetrics(): Promise<Set<string>> {
  const names = await promClientDefaults("");
  for (const file of jsFiles(join(REPO_DIR, "node_modules/ponder/dist/esm"))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(
      /new prometheus\.(Gauge|Counter|Histogram)\(\{\s*name:\s*"(ponder_[a-z0-9_]+)"/g,
    ))
      addWithSuffixes(names, m[2]!, m[1]!);
  }
  return names;
}

/** Every metric name the rules and dashboards may use, with where it comes from. */
export async function knownMetrics(): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  for (const [service, { source, names }] of Object.entries(EXTERNAL_METRICS))
    for (const n of names) known.set(n, `${service}: ${source}`);
  for (const n of await ponderMetrics()) known.set(n, "the indexer (Ponder)");
  for (const n of await olnodeMetrics()) known.set(n, "olnode");
  return known;
}

const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/**
 * The metric names a PromQL expression selects. Strings, label matchers, `by (…)`-style label lists, range
 * durations, Grafana variables and numbers are removed first; a name followed by `(` is a function.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\$\{?\w+\}?/g, " ")
    .replace(/\b\d+(ms|[smhdwy])\b/g, " ")
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    if (m[1] === "(") continue;
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

// Labels every scraped series has (the scrape's and our static ones) or that histograms and summaries add.
const TARGET_LABELS = new Set(["job", "instance", "stack", "le", "quantile"]);

/**
 * What is wrong with the olnode selectors of these queries: a label the metric is not registered with, or a
 * matched value (`label="v"`, `label=~"a|b"`) that is no string literal anywhere in the code (a typo, or a
 * value renamed since). Empty when all is well. Other services' metrics are not checked here.
 */
export function selectorProblems(queries: { where: string; expr: string }[]): string[] {
  const labels = olnodeMetricLabels();
  const literals = olnodeStringLiterals();
  const problems: string[] = [];
  for (const q of queries) {
    for (const sel of selectorsIn(q.expr)) {
      const known = labels.get(sel.name) ?? labels.get(sel.name.replace(/_(bucket|sum|count)$/, ""));
      if (!known) continue;
      for (const m of sel.matchers) {
        if (TARGET_LABELS.has(m.label)) continue;
        if (!known.has(m.label))
          problems.push(
            `${q.where}: ${sel.name} has no label ${m.label} (only ${[...known].join(", ") || "none"})`,
          );
        else if ((m.op === "=" || m.op === "=~") && /^[\w-]+(\|[\w-]+)*$/.test(m.value))
          for (const v of m.value.split("|"))
            if (!literals.has(v))
              problems.push(`${q.where}: ${sel.name}{${m.label}} is never "${v}" in the code`);
      }
    }
  }
  return problems;
}
