import { spawnSync } from "node:child_process";
import { launchAnvil } from "../../config/services/launchAnvil.ts";
import { launchPostgres } from "../../config/services/launchPostgres.ts";
import { type Benchmark, figure, percentile } from "./benchmark.ts";

/** Time for a bare `node -e 0`: the floor any process start pays on this machine, measured now. */
function nodeStartMs(): number {
  const t = performance.now();
  spawnSync(process.execPath, ["-e", "0"]);
  return performance.now() - t;
}

async function sample(runs: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

const benchmarks: Benchmark[] = [
  {
    name: "harness.startup",
    description: "ms until anvil answers JSON-RPC / Postgres accepts connections, against `node -e 0`",
    async run() {
      const runs = 5;
      const baseline = percentile(
        Array.from({ length: runs }, () => nodeStartMs()),
        50,
      );
      const anvil = await sample(runs, async () => {
        const t = performance.now();
        const a = await launchAnvil();
        const ms = performance.now() - t;
        await a.stop();
        return ms;
      });
      const pg = await sample(runs, async () => {
        const t = performance.now();
        const p = await launchPostgres();
        const ms = performance.now() - t;
        await p.stop();
        return ms;
      });
      const note = `median of ${runs} cold starts; baseline: median \`node -e 0\` in the same run`;
      return [
        figure("harness.startup.anvil", percentile(anvil, 50), "ms", baseline, note),
        figure("harness.startup.postgres", percentile(pg, 50), "ms", baseline, `${note}; includes initdb`),
      ];
    },
  },
];

export default benchmarks;
