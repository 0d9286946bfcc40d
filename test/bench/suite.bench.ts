import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Benchmark, figure } from "./benchmark.ts";

/**
 * `npm test` as CI runs it, twice on the same machine in the same run: idle, then in load mode
 * (OLNODE_TEST_LOAD busy loops beside it, test/harness/loadMode.ts). Both must pass (0 failures); the load run's
 * wall time is reported against the idle one. The idle run's own baseline is its ideal parallel time: the sum of
 * its test files' durations over the two workers (vitest.config.ts), so its ratio shows time lost to waiting.
 * Run it under the e2e lock, on a quiet machine for meaningful figures: it takes two whole suite runs.
 */
type SuiteRun = { wallS: number; failed: number; total: number; exitCode: number; fileSeconds: number };

const root = new URL("../../", import.meta.url).pathname;

function runSuite(load: number): Promise<SuiteRun> {
  const dir = mkdtempSync(join(tmpdir(), "olnode-bench-suite-"));
  const report = join(dir, "report.json");
  const started = performance.now();
  return new Promise<SuiteRun>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "node_modules/vitest/vitest.mjs"),
        "run",
        "--reporter=dot",
        "--reporter=json",
        `--outputFile.json=${report}`,
        // A subset for a quick look (e.g. the e2e files), the whole suite by default.
        ...(process.env.OLNODE_BENCH_SUITE_FILES?.split(/\s+/).filter(Boolean) ?? []),
      ],
      {
        cwd: root,
        env: { ...process.env, OLNODE_TEST_LOAD: String(load) },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    child.once("error", reject);
    child.once("exit", (code) => {
      const wallS = (performance.now() - started) / 1000;
      try {
        const r = JSON.parse(readFileSync(report, "utf8")) as {
          numFailedTests: number;
          numTotalTests: number;
          testResults: { startTime: number; endTime: number }[];
        };
        const fileSeconds = r.testResults.reduce((s, f) => s + (f.endTime - f.startTime) / 1000, 0);
        // A run that fails outside any test (the leak check at teardown) counts as one failure.
        const failed = r.numFailedTests || (code === 0 ? 0 : 1);
        resolve({ wallS, failed, total: r.numTotalTests, exitCode: code ?? 1, fileSeconds });
      } catch (error) {
        reject(new Error(`npm test (load ${load}) wrote no JSON report (exit ${code})`, { cause: error }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const benchmarks: Benchmark[] = [
  {
    name: "test.suite",
    description:
      "wall time and failures of `npm test` idle and in load mode (OLNODE_BENCH_SUITE_LOAD, default 2)",
    async run() {
      const load = Number(process.env.OLNODE_BENCH_SUITE_LOAD ?? 2);
      const idle = await runSuite(0);
      const loaded = await runSuite(load);
      const extra = (r: SuiteRun) => ({ failed: r.failed, tests: r.total, exitCode: r.exitCode });
      return [
        figure(
          "test.suite.idle_wall",
          idle.wallS,
          "s",
          idle.fileSeconds / 2,
          "baseline: the same run's test-file time over 2 workers (ideal parallel time)",
          {
            ...extra(idle),
            target: "failed == 0, value <= 600",
            met: idle.failed === 0 && idle.wallS <= 600,
          },
        ),
        figure(
          "test.suite.load_wall",
          loaded.wallS,
          "s",
          idle.wallS,
          `baseline: the idle run just before; load mode with ${load} busy loops`,
          { ...extra(loaded), load, target: "failed == 0", met: loaded.failed === 0 },
        ),
      ];
    },
  },
];

export default benchmarks;
