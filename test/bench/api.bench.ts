import { loadavg } from "node:os";
import { parse } from "graphql";
import pg from "pg";
import { launchPostgres } from "../../config/services/launchPostgres.ts";
import { deployContracts } from "../../contracts/deploy/deployContracts.ts";
import { estimateQueryCost, QUERY_COST_LIMITS } from "../../indexer/src/api/graphql/estimateQueryCost.ts";
import { startIndexer } from "../../indexer/startIndexer.ts";
import { startTestChain } from "../harness/anvil.ts";
import { generateBulkActivity } from "../harness/protocolActivity.ts";
import { cleanEnv, indexerOverrides } from "../indexer/indexerFixture.ts";
import { runApiList } from "./apiList.ts";
import { type Benchmark, figure, percentile } from "./benchmark.ts";

const EVENTS = Number(process.env.OLNODE_BENCH_API_EVENTS ?? 20_000);
const SAMPLES = Number(process.env.OLNODE_BENCH_API_SAMPLES ?? 150);

const NORMAL_GRAPHQL =
  '{ contributions(limit: 25, orderBy: "id", orderDirection: "desc") { items { id status datanetId } pageInfo { endCursor } } }';
/**
 * The dearest queries the cost limit lets through, of the two shapes that cost the most time per unit of
 * budget: as many nested one-row pages as fit (one SQL statement per parent row in Ponder's resolver), and as
 * many aliases of a 1000-row page as fit. The run attacks with whichever is slower alone.
 */
function dearestAllowed(): string[] {
  const nested = (n: number) =>
    `{ contributions(limit: ${n}) { items { id attributions(limit: 1) { items { id weight } } } } }`;
  const flat = (n: number) =>
    `{ ${Array.from({ length: n }, (_, i) => `a${i}: attributions(limit: 1000) { items { id weight contributionId } }`).join(" ")} }`;
  const fits = (q: string) => estimateQueryCost(parse(q)).cost <= QUERY_COST_LIMITS.maxCost;
  let n = QUERY_COST_LIMITS.maxLimit;
  while (n > 1 && !fits(nested(n))) n--;
  let a = 20;
  while (a > 1 && !fits(flat(a))) a--;
  return [nested(n), flat(a)];
}
/** A five-way cross join of a system catalog: runs until the /sql statement timeout cancels it. */
const HEAVY_SQL = "select count(*) from pg_class a, pg_class b, pg_class c, pg_class d, pg_class e";

const superjson = (sql: string) => JSON.stringify({ json: { sql, params: [] } });

async function timed(request: () => Promise<Response>): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  const res = await request();
  await res.arrayBuffer();
  return { ms: performance.now() - t, status: res.status };
}

export default [
  {
    name: "api.under_attack",
    description: `p95 of a normal GraphQL query and a REST list while 4 clients send the dearest allowed GraphQL query and 2 send heavy /sql, against the same queries on the quiet indexer (${EVENTS} events)`,
    async run() {
      const chain = await startTestChain({ args: ["--base-fee", "0"] });
      const server = await launchPostgres({ ephemeral: true });
      let indexer: Awaited<ReturnType<typeof startIndexer>> | undefined;
      const stop = new AbortController();
      try {
        const deployment = await deployContracts({
          walletClient: chain.walletClient(),
          publicClient: chain.publicClient,
          params: { epochLength: 200n },
        });
        const activity = await generateBulkActivity({
          chain,
          addresses: deployment.addresses,
          seed: 19,
          targetEvents: EVENTS,
          entriesPerInference: 16,
        });
        const admin = new pg.Client({ connectionString: server.url });
        await admin.connect();
        await admin.query('CREATE DATABASE "api_bench"');
        await admin.end();
        indexer = await startIndexer({
          env: cleanEnv(),
          overrides: indexerOverrides(chain, server.urlFor("api_bench"), deployment, 1000),
          viewsSchema: "olnode_bench",
          readyTimeoutMs: 600_000,
        });
        const url = indexer.url;
        for (let i = 0; i < 300; i++) {
          const r = await fetch(`${url}/sql/db?sql=${encodeURIComponent(superjson("select 1"))}`);
          if (r.status === 200) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const datanet = (await (
          await fetch(`${url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: "{ datanets(limit: 1) { items { id } } }" }),
          })
        ).json()) as { data: { datanets: { items: { id: string }[] } } };
        const restPath = `/api/v1/datanets/${datanet.data.datanets.items[0]!.id}/contributions?limit=25`;
        const graphqlRequest = () =>
          fetch(`${url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: NORMAL_GRAPHQL }),
          });
        const restRequest = () => fetch(url + restPath);

        async function measure() {
          const graphql: number[] = [];
          const rest: number[] = [];
          const failures: number[] = [];
          for (let i = 0; i < SAMPLES; i++) {
            const g = await timed(graphqlRequest);
            const r = await timed(restRequest);
            graphql.push(g.ms);
            rest.push(r.ms);
            if (g.status !== 200) failures.push(g.status);
            if (r.status !== 200) failures.push(r.status);
          }
          return { graphql: percentile(graphql, 95), rest: percentile(rest, 95), failures };
        }

        const post = (query: string, signal?: AbortSignal) =>
          fetch(`${url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query }),
            signal,
          });
        await measure(); // warm-up: plans, connections
        const quiet = await measure();
        // Each candidate alone, median of 3: the slower one is the attack.
        const alone: { query: string; ms: number; status: number }[] = [];
        for (const query of dearestAllowed()) {
          const runs: { ms: number; status: number }[] = [];
          for (let i = 0; i < 3; i++) {
            runs.push(await timed(() => post(query)));
            // The expensive lane rests as long as a query ran: wait it out, so the next run is alone too.
            await new Promise((resolve) => setTimeout(resolve, 2 * runs.at(-1)!.ms));
          }
          runs.sort((x, y) => x.ms - y.ms);
          alone.push({ query, ms: runs[1]!.ms, status: runs[1]!.status });
        }
        alone.sort((x, y) => y.ms - x.ms);
        const HEAVY_GRAPHQL = alone[0]!.query;
        const heavyCost = estimateQueryCost(parse(HEAVY_GRAPHQL)).cost;
        const attackStatus = new Map<string, number>();
        const count = (kind: string, status: number) =>
          attackStatus.set(`${kind} ${status}`, (attackStatus.get(`${kind} ${status}`) ?? 0) + 1);
        const attacker = async (kind: string, request: () => Promise<Response>) => {
          while (!stop.signal.aborted) {
            try {
              const res = await request();
              await res.arrayBuffer();
              count(kind, res.status);
            } catch {
              if (!stop.signal.aborted) count(kind, 0);
            }
          }
        };
        const heavy = () => post(HEAVY_GRAPHQL, stop.signal);
        const heavySql = () =>
          fetch(`${url}/sql/db?sql=${encodeURIComponent(superjson(HEAVY_SQL))}`, { signal: stop.signal });
        const attackers = [
          ...Array.from({ length: 4 }, () => attacker("graphql", heavy)),
          ...Array.from({ length: 2 }, () => attacker("sql", heavySql)),
        ];
        await new Promise((resolve) => setTimeout(resolve, 2000)); // let the attack build up
        const load = loadavg()[0]!;
        const attacked = await measure();
        const loadAfter = loadavg()[0]!;
        stop.abort();
        await Promise.allSettled(attackers);
        const extra = {
          loadAverage: Math.round(load * 100) / 100,
          loadAverageAfter: Math.round(loadAfter * 100) / 100,
          heavyQuery: `${HEAVY_GRAPHQL.slice(0, 90)}… (${HEAVY_GRAPHQL.length} chars)`,
          heavyAloneMs: alone.map((a) => ({
            query: a.query.slice(0, 40),
            ms: Math.round(a.ms),
            status: a.status,
          })),
          samples: SAMPLES,
          attackerAnswers: Object.fromEntries(attackStatus),
          heavyQueryCost: heavyCost,
          maxCost: QUERY_COST_LIMITS.maxCost,
          failuresUnderAttack: attacked.failures.length,
          events: activity.events,
          target: "<= 3",
        };
        return [
          figure(
            "api.under_attack.graphql_p95",
            attacked.graphql,
            "ms",
            quiet.graphql,
            `p95 of ${NORMAL_GRAPHQL.slice(0, 60)}… under attack vs quiet, same indexer`,
            { ...extra, met: attacked.graphql <= 3 * quiet.graphql },
          ),
          figure(
            "api.under_attack.rest_p95",
            attacked.rest,
            "ms",
            quiet.rest,
            `p95 of GET ${restPath.replace(/\d+/, ":id")} under attack vs quiet, same indexer`,
            { ...extra, met: attacked.rest <= 3 * quiet.rest },
          ),
        ];
      } finally {
        stop.abort();
        await indexer?.stop();
        await chain.stop();
        await server.stop();
      }
    },
  },
  {
    name: "api.list",
    description:
      "p95 of each REST list route (datanets, models, inferences, workers, epochs; first page, deep cursor, each filter) at 100k rows per table vs a plain SELECT … LIMIT 25 on the same table",
    run: runApiList,
  },
] satisfies Benchmark[];
