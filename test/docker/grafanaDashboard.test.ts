import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCKER_DIR, parseYaml } from "./composeConfig.ts";
import { knownMetrics, metricNamesIn, selectorProblems } from "./metricNames.ts";

type Panel = {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string }[];
  gridPos: { x: number; y: number; w: number; h: number };
};
type Dashboard = {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: { name: string; query?: { query: string } }[] };
};
const DASHBOARD_DIR = join(DOCKER_DIR, "grafana/dashboards");
const files = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".json"));
const dashboards = files.map((file) => {
  const text = readFileSync(join(DASHBOARD_DIR, file), "utf8");
  return { file, text, dashboard: JSON.parse(text) as Dashboard };
});
const dashboard = dashboards.find((d) => d.file === "olnode-node.json")!.dashboard;
const queriesOf = (d: Dashboard) => [
  ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr }))),
  ...(d.templating?.list ?? []).flatMap((v) =>
    v.query
      ? [{ panel: `variable ${v.name}`, expr: v.query.query.replace(/^label_values\((.*),\s*\w+\)$/, "$1") }]
      : [],
  ),
];

describe("docker/grafana: every dashboard", () => {
  it("has one for the node, the indexer, op-geth, op-node and the host", () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining([
        "host.json",
        "olnode-indexer.json",
        "olnode-node.json",
        "op-geth.json",
        "op-node.json",
      ]),
    );
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length);
  });

  it("queries only metrics the code or the pinned exporters export", async () => {
    const known = await knownMetrics();
    for (const { file, dashboard: d } of dashboards) {
      const queries = queriesOf(d);
      expect(queries.length, file).toBeGreaterThan(5);
      for (const q of queries) {
        const names = metricNamesIn(q.expr);
        expect(names.length, `${file} ${q.panel}: no metric in ${q.expr}`).toBeGreaterThan(0);
        for (const name of names)
          expect(known.has(name), `${file} ${q.panel}: ${name} is not a metric anything exports`).toBe(true);
      }
    }
  });

  it("matches only labels the olnode metrics have, on values the code sets", () => {
    for (const { file, dashboard: d } of dashboards)
      expect(
        selectorProblems(queriesOf(d).map((q) => ({ where: `${file} ${q.panel}`, expr: q.expr }))),
      ).toEqual([]);
  });

  it("uses the provisioned Prometheus datasource and a layout without overlaps", () => {
    const ds = parseYaml(
      readFileSync(join(DOCKER_DIR, "grafana/provisioning/datasources/prometheus.yaml"), "utf8"),
    ) as { datasources: { uid: string; url: string }[] };
    const uid = ds.datasources[0]!.uid;
    expect(ds.datasources[0]!.url).toBe("http://prometheus:9090");
    for (const { file, dashboard: d } of dashboards) {
      for (const panel of d.panels.filter((p) => p.type !== "row")) {
        expect(panel.datasource?.uid, `${file} ${panel.title}`).toBe(uid);
      }
      const cells = new Set<string>();
      for (const { title, gridPos: g } of d.panels) {
        expect(g.x + g.w, `${file} ${title}`).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`), `${file}: ${title} overlaps another panel`).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
      const ids = d.panels.map((p) => (p as unknown as { id: number }).id);
      expect(new Set(ids).size, `${file}: panel ids are unique`).toBe(ids.length);
    }
    const provider = parseYaml(
      readFileSync(join(DOCKER_DIR, "grafana/provisioning/dashboards/olnode.yaml"), "utf8"),
    ) as { providers: { options: { path: string } }[] };
    expect(readFileSync(join(DOCKER_DIR, "compose.yaml"), "utf8")).toContain(
      `./grafana/dashboards:${provider.providers[0]!.options.path}:ro`,
    );
  });
});

describe("docker/grafana: the olnode node dashboard", () => {
  const queries = queriesOf(dashboard);

  it("covers the chain, p2p, worker, tx submitter, HTTP, readiness, index and gas balance metrics", () => {
    const exprs = queries.map((q) => q.expr).join("\n");
    for (const metric of [
      "olnode_chain_head_block",
      "olnode_chain_head_lag_seconds",
      "olnode_chain_stalled",
      "olnode_p2p_peers",
      "olnode_p2p_messages_total",
      "olnode_p2p_store_bytes",
      "olnode_worker_tasks_total",
      "olnode_worker_attestations_total",
      "olnode_worker_points",
      "olnode_worker_tx_outcomes_total",
      "olnode_http_requests_total",
      "olnode_ready_check",
      "olnode_index_lag_blocks",
      "olnode_worker_balance_open",
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(new Set(queries.flatMap((q) => metricNamesIn(q.expr))).size).toBeGreaterThan(25);
  });
});

describe("metricNamesIn", () => {
  it("finds selected metrics, not functions, labels, keywords, durations, variables or numbers", () => {
    expect(
      metricNamesIn(
        'sum by (instance, stack) (increase(a_total{to=~"failed|expired", x="by (y)"}[1h])) > 3 unless on (instance) b offset 5m',
      ).sort(),
    ).toEqual(["a_total", "b"]);
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le) (rate(c_bucket{job="j", instance=~"$instance"}[$__rate_interval])))',
      ),
    ).toEqual(["c_bucket"]);
    expect(
      metricNamesIn("time() - d > 300 and e == 1e9 or predict_linear(f[6h], 3 * 86400) < 0").sort(),
    ).toEqual(["d", "e", "f"]);
    expect(metricNamesIn('up{job="x"} == 0')).toEqual(["up"]);
  });
});
