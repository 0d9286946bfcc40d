import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEther } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { createNodeHttpServer } from "../../node/http/createNodeHttpServer.ts";
import { watchAccountBalance } from "../../node/worker/watchAccountBalance.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { notYet, WaitForAbort, waitFor } from "../harness/waitFor.ts";
import { DOCKER_DIR } from "./composeConfig.ts";

// Debian's prometheus package (the server; promtool comes with it).
const PROMETHEUS = ["/usr/bin/prometheus", "/usr/sbin/prometheus"].find((p) => existsSync(p));

type ApiAlert = { labels: Record<string, string>; state: "pending" | "firing" };

/**
 * The alert rules evaluated by a real Prometheus on what the node's real HTTP server exports: the exposition
 * format, the label names and the scrape's own labels line up with what alerts.yml expects. Every `for` is
 * minutes long, so the alerts are seen pending, not firing.
 */
describe.skipIf(!PROMETHEUS)("docker/prometheus/alerts.yml on a real Prometheus scraping a real node", () => {
  const common = createTestCommon();
  let prometheus: ChildProcess | undefined;
  let logs = "";
  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once("exit", resolve));
      prometheus.kill("SIGTERM");
      await exited;
    }
    await common.shutdown.kill();
  });

  it("puts a not-ready node, its low gas balance and a down operator target in alert; a down devnet target not", async () => {
    const node = await createNodeHttpServer(common, {
      host: "127.0.0.1",
      port: 0,
      readiness: {
        chain: () => ({ ok: true }),
        p2p: () => ({ ok: false, reason: "no p2p peers connected" }),
      },
      status: () => ({}),
    });
    watchAccountBalance(common, {
      client: { getBalance: async () => parseEther("0.1") },
      address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    });
    const [webPort, deadPort] = [await allocatePort(), await allocatePort()];
    const dir = makeTempDir("olnode-prometheus-");
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        `rule_files: ["${join(DOCKER_DIR, "prometheus/alerts.yml")}"]`,
        "scrape_configs:",
        "  - job_name: olnode-node",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${node.port}", "localhost:${deadPort}"]`,
        "        labels: { stack: operator }",
        `      - targets: ["127.0.0.2:${deadPort}"]`,
        "        labels: { stack: devnet }",
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      PROMETHEUS!,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout!.on("data", (d) => (logs += d));
    prometheus.stderr!.on("data", (d) => (logs += d));

    const want = ["OlnodeNodeNotReady", "OlnodeWorkerBalanceLow", "OlnodeNodeDown"];
    const alerts = await waitFor(
      `Prometheus to hold ${want.join(", ")}`,
      async () => {
        if (prometheus!.exitCode !== null) throw new WaitForAbort(`prometheus exited:\n${logs}`);
        const body = (await (await fetch(`http://127.0.0.1:${webPort}/api/v1/alerts`)).json()) as {
          data: { alerts: ApiAlert[] };
        };
        const names = new Set(body.data.alerts.map((a) => a.labels.alertname));
        return want.every((n) => names.has(n)) ? body.data.alerts : notYet("all three alerts", [...names]);
      },
      { timeoutMs: 60_000, intervalMs: 500, diagnose: () => logs.slice(-3000) },
    );
    const of = (name: string) => alerts.filter((a) => a.labels.alertname === name).map((a) => a.labels);
    expect(of("OlnodeNodeNotReady")).toEqual([
      {
        alertname: "OlnodeNodeNotReady",
        check: "p2p",
        instance: `127.0.0.1:${node.port}`,
        job: "olnode-node",
        stack: "operator",
        severity: "warning",
      },
    ]);
    expect(of("OlnodeWorkerBalanceLow").map((l) => l.instance)).toEqual([`127.0.0.1:${node.port}`]);
    // The devnet's target is down too, but never pages.
    expect(of("OlnodeNodeDown").map((l) => l.instance)).toEqual([`localhost:${deadPort}`]);
    expect(alerts.every((a) => a.state === "pending")).toBe(true);
    // Nothing else: the chain check passes, and the node exports no metric of the other alerts.
    expect(new Set(alerts.map((a) => a.labels.alertname))).toEqual(new Set(want));
  });
});

if (!PROMETHEUS) {
  const hint =
    "prometheus is not installed (Debian: apt-get install -y prometheus, with policy-rc.d denying starts)";
  if (process.env.CI) {
    describe("docker/prometheus/alerts.yml on a real Prometheus", () => {
      it("needs the prometheus binary", () => {
        throw new Error(`${hint}; .ci/run installs it as root.`);
      });
    });
  } else console.warn(`alert rules on a real Prometheus not run: ${hint}.`);
}
