import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../config/common/createLogger.ts";
import { isRunning, type ProcessIdentity } from "../../config/services/processIdentity.ts";
import { reapLeftovers } from "../../node/devnet/reapLeftovers.ts";
import { devnetDir } from "../../node/devnet/startDevnet.ts";
import { isListening } from "../harness/isListening.ts";
import { processesWithEnv } from "../harness/runProcesses.ts";
import { makeTempDir } from "../harness/tempDir.ts";
import { waitFor } from "../harness/waitFor.ts";

/**
 * Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group, `olnode devnet` and every
 * child still in its group at once. Repeated, at start-up and once up, the devnet must exit 0, print
 * "stopped" only once none of its processes is left, and leave no process, listening port or temp dir.
 */
const entry = new URL("../../node/cli/olnode.ts", import.meta.url).pathname;
const runs: { child: ChildProcess; dataDir: string }[] = [];

afterAll(async () => {
  for (const { child, dataDir } of runs) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      reapLeftovers(join(devnetDir(dataDir), "pids.json"), createLogger({ level: "silent", format: "json" }));
    }
  }
}, 60_000);

/** Processes (other than `except`) started by the run marked `token`: everything it started. */
function processesWith(token: string, except: number): number[] {
  return processesWithEnv("DEVNET_STOP_TEST", token)
    .map((p) => p.pid)
    .filter((pid) => pid !== except);
}

type Run = {
  child: ChildProcess;
  token: string;
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the devnet recorded of its services (pids.json), read while it runs. */
  recorded: (() => { processes: ProcessIdentity[]; dirs: string[] } | undefined) & {
    pidFileExists(): boolean;
  };
  /** Token-carrying processes alive at the moment "stopped" was printed. */
  aliveAtStopped: Promise<number[]>;
};

function startDevnetProcess(): Run {
  const token = `OLNODE_STOP_TEST_${randomBytes(8).toString("hex")}`;
  const dataDir = makeTempDir("olnode-devnet-stop-");
  const env: Record<string, string | undefined> = { ...process.env, DEVNET_STOP_TEST: token };
  for (const key of Object.keys(env)) if (key.startsWith("OLNODE") || key === "DATABASE_URL") delete env[key];
  env.OLNODE__DATA_DIR = dataDir;
  // detached: its own process group, like a terminal's foreground job; SIGINT goes to the whole group.
  const child = spawn(process.execPath, [entry, "devnet", "--nodes", "2"], {
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  runs.push({ child, dataDir });
  let stdout = "";
  let stderr = "";
  let onStopped: (alive: number[]) => void = () => {};
  const aliveAtStopped = new Promise<number[]>((resolve) => (onStopped = resolve));
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => {
    stderr += d;
    // Checked the moment the line arrives: "stopped" must mean nothing is left.
    if (/\] stopped\n/.test(stderr)) onStopped(processesWith(token, child.pid!));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const pidFile = join(devnetDir(dataDir), "pids.json");
  let last: ReturnType<Run["recorded"]>;
  return {
    child,
    token,
    output: () => ({ stdout, stderr }),
    exited,
    aliveAtStopped,
    recorded: Object.assign(
      () => {
        try {
          last = JSON.parse(readFileSync(pidFile, "utf8"));
        } catch {
          // not written yet, or removed after a clean stop
        }
        return last;
      },
      { pidFileExists: () => existsSync(pidFile) },
    ),
  };
}

async function ctrlC(run: Run) {
  // What the devnet recorded of its services, read while it runs (a clean stop removes the file).
  const recorded = run.recorded();
  expect(recorded?.processes.length, "services recorded in pids.json").toBeGreaterThan(0);
  process.kill(-run.child.pid!, "SIGINT");
  const exit = await Promise.race([
    run.exited,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 90_000)),
  ]);
  const { stdout, stderr } = run.output();
  expect(exit, `the devnet did not exit within 90 s of Ctrl-C:\n${stderr.slice(-3000)}`).toEqual({
    code: 0,
    signal: null,
  });
  expect(stderr.trimEnd().split("\n").at(-1)).toMatch(/\] stopped$/);
  expect(await run.aliveAtStopped, "processes alive when 'stopped' was printed").toEqual([]);
  expect(processesWith(run.token, -1)).toEqual([]);
  expect(run.recorded.pidFileExists(), "pids.json left after a clean stop").toBe(false);
  for (const p of recorded?.processes ?? []) expect(isRunning(p), `pid ${p.pid}`).toBe(false);
  for (const dir of recorded?.dirs ?? []) expect(existsSync(dir), dir).toBe(false);
  for (const url of stdout.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? [])
    expect(await isListening(url), `${url} still listening`).toBe(false);
  return { stdout, stderr };
}

describe("olnode devnet stops on a terminal's Ctrl-C (SIGINT to its process group)", () => {
  it("during start-up, with Postgres and anvil already running", { timeout: 300_000 }, async () => {
    const run = startDevnetProcess();
    await waitFor("the indexer to be starting", () => run.output().stderr.includes("starting the indexer"), {
      timeoutMs: 120_000,
    });
    await ctrlC(run);
  });

  for (const round of [1, 2, 3])
    it(`once up, with traffic and workers busy (round ${round})`, { timeout: 400_000 }, async () => {
      const run = startDevnetProcess();
      await waitFor("the devnet to be up", () => run.output().stdout.includes("devnet is up"), {
        timeoutMs: 300_000,
        intervalMs: 500,
      });
      // Let traffic, gossip and the workers' transactions get going: connections are open everywhere.
      await new Promise((r) => setTimeout(r, 3_000 * round));
      const { stdout } = await ctrlC(run);
      expect(stdout).toContain("GraphQL");
    });
});
