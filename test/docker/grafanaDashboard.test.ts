import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../config/common/createMetrics.ts";
import { DOCKER_DIR, parseYaml, REPO_DIR } from "./composeConfig.ts";

type Panel = {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string }[];
  gridPos: { x: number; y: number; w: number; h: number };
};
const dashboard = JSON.parse(
  readFileSync(join(DOCKER_DIR, "grafana/dashboards/olnode-node.json"), "utf8"),
) as { uid: string; panels: Panel[] };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name.startsWith(".")) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Every metric the code registers (`metrics.counter("name", …)` and friends), with the olnode_ prefix. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  for (const dir of ["config", "p2p", "node", "indexer"]) {
    for (const file of sources(join(REPO_DIR, dir))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\.(counter|gauge|histogram)\(\s*"([a-z0-9_]+)"/g)) {
        const name = m[2]!.startsWith("olnode_") ? m[2]! : `olnode_${m[2]}`;
        names.add(name);
        if (m[1] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
      }
    }
  }
  return names;
}

describe("docker/grafana: the olnode node dashboard", () => {
  const queries = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );

  it("queries only metrics the node registers (or prom-client's process defaults)", async () => {
    const known = registeredMetrics();
    const defaults = await createMetrics().registry.getMetricsAsJSON();
    for (const m of defaults as unknown as { name: string; type: string }[]) {
      known.add(m.name);
      if (m.type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) known.add(m.name + s);
    }
    const used = new Set<string>();
    for (const q of queries) {
      for (const m of q.expr.matchAll(/\bolnode_[a-z0-9_]+/g)) {
        used.add(m[0]);
        expect(known.has(m[0]), `${q.panel}: ${m[0]} is not a metric the code registers`).toBe(true);
      }
    }
    expect(used.size).toBeGreaterThan(25);
  });

  it("covers the chain, p2p, worker, tx submitter and HTTP metrics", () => {
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
    ]) {
      expect(exprs).toContain(metric);
    }
  });

  it("uses the provisioned Prometheus datasource and a layout without overlaps", () => {
    const ds = parseYaml(
      readFileSync(join(DOCKER_DIR, "grafana/provisioning/datasources/prometheus.yaml"), "utf8"),
    ) as { datasources: { uid: string; url: string }[] };
    const uid = ds.datasources[0]!.uid;
    expect(ds.datasources[0]!.url).toBe("http://prometheus:9090");
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
      expect(panel.datasource?.uid, panel.title).toBe(uid);
    }
    const cells = new Set<string>();
    for (const { title, gridPos: g } of dashboard.panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps another panel`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    const provider = parseYaml(
      readFileSync(join(DOCKER_DIR, "grafana/provisioning/dashboards/olnode.yaml"), "utf8"),
    ) as { providers: { options: { path: string } }[] };
    expect(readFileSync(join(DOCKER_DIR, "compose.yaml"), "utf8")).toContain(
      `./grafana/dashboards:${provider.providers[0]!.options.path}:ro`,
    );
  });
});
