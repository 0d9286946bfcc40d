import { tmpdir } from "node:os";
import type { TestProject } from "vitest/node";
import { launchPostgres, type PostgresProcess } from "../../config/services/launchPostgres.ts";
import { type LoadMode, parseLoad, startLoad } from "./loadMode.ts";
import { killProcesses, listeningPorts, processesWithEnv, type RunProcess } from "./runProcesses.ts";
import { createTestRunDir, removeTestRunDir, runDirLeftovers } from "./testRunDir.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * The run's frame:
 * - a temp folder of its own as TMPDIR (testRunDir.ts), so that what the run leaves behind, files or processes
 *   (which inherit TMPDIR), can be told from what other runs on the machine make meanwhile;
 * - one Postgres server for the whole run: DATABASE_URL when set, otherwise an embedded one. Each test file
 *   then makes its own database on it (test/harness/postgres.ts);
 * - the load mode: OLNODE_TEST_LOAD=n busy-loop processes beside the tests (loadMode.ts);
 * - at the end, the leak check: a process, a listening port or a temp dir of this run still there fails the run,
 *   listing them; then they are removed, so even a failed run leaves nothing behind.
 */
let server: PostgresProcess | undefined;
let load: LoadMode | undefined;
let runDir: string | undefined;
const systemTmp = tmpdir();

export async function setup(project: TestProject) {
  const processes = parseLoad(process.env.OLNODE_TEST_LOAD);
  runDir = createTestRunDir(systemTmp);
  process.env.TMPDIR = runDir;
  if (processes > 0) {
    load = startLoad(processes);
    console.log(`Load mode: ${processes} busy-loop processes beside the tests (OLNODE_TEST_LOAD).`);
  }
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    project.provide("databaseUrl", fromEnv);
    return;
  }
  server = await launchPostgres({ ephemeral: true });
  project.provide("databaseUrl", server.url);
}

export async function teardown() {
  await load?.stop();
  await server?.stop();
  if (!runDir) return;
  const dir = runDir;
  // Anything that inherited the run's TMPDIR, but vitest's own helpers (its watchdog), is a leftover.
  const leaked: (RunProcess & { ports: number[] })[] = processesWithEnv("TMPDIR", dir)
    .filter((p) => !(p.ppid === process.pid && /vitest/.test(p.command)))
    .map((p) => ({ ...p, ports: listeningPorts(p.pid) }));
  const paths = runDirLeftovers(dir);
  const stillAlive = await killProcesses(leaked.map((p) => p.pid));
  removeTestRunDir(dir, systemTmp);
  process.env.TMPDIR = systemTmp;
  if (leaked.length === 0 && paths.length === 0) return;
  const lines = ["The test run left things behind (now removed; the tests that made them must clean up):"];
  for (const p of leaked) {
    lines.push(
      `  process ${p.pid} (parent ${p.ppid})${p.ports.length ? `, listening on ${p.ports.join(", ")}` : ""}: ${p.command}`,
    );
  }
  for (const path of paths) lines.push(`  temp path ${path}`);
  if (stillAlive.length) lines.push(`  (could not kill ${stillAlive.join(", ")})`);
  throw new Error(lines.join("\n"));
}
