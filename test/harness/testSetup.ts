import { afterAll, afterEach, beforeEach } from "vitest";
import { setCurrentTestSignal } from "./currentTest.ts";
import { killProcesses, processesWithEnv, startedAt, uptimeSeconds } from "./runProcesses.ts";
import { removeTempDirs } from "./tempDir.ts";
import { WORKER_ENV } from "./testRun.ts";

/**
 * Runs in every test file's worker. Every process the file's tests start inherits WORKER_ENV, so when a test
 * fails or times out, the processes it started (and that its own cleanup did not stop) are killed before the
 * next test runs: a timed-out case can no longer hold a port, a database lock or a data dir the next one needs.
 * Processes started by hooks (beforeAll) belong to the file and are left to its afterAll. Registered first, this
 * file's afterAll runs last: it removes the temp dirs of makeTempDir once the file's own hooks have stopped
 * whatever used them.
 */
process.env[WORKER_ENV] = String(process.pid);
let testStartedAt = 0;

beforeEach((context) => {
  setCurrentTestSignal(context.signal);
  testStartedAt = uptimeSeconds();
});

afterEach(async (context) => {
  setCurrentTestSignal(undefined);
  if (context.task.result?.state !== "fail") return;
  const started = processesWithEnv(WORKER_ENV, String(process.pid)).filter(
    (p) => (startedAt(p.pid) ?? 0) >= testStartedAt - 0.01,
  );
  if (started.length === 0) return;
  console.warn(
    `"${context.task.name}" failed; killing the ${started.length} processes it left running:\n${started
      .map((p) => `  ${p.pid}: ${p.command}`)
      .join("\n")}`,
  );
  await killProcesses(started.map((p) => p.pid));
});

afterAll(() => removeTempDirs());
