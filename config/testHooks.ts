import type { LogLevel } from "./common/createLogger.ts";

/**
 * The one door through which test-only environment variables reach production code. Nothing else in
 * config/, contracts/, indexer/, p2p/ or node/ reads an `OLNODE_TEST_*` variable
 * (test/layers/importRules.test.ts checks it). Outside the test suites none of them is set and every hook
 * here is inert.
 */
export type TestHooks = {
  /**
   * `OLNODE_TEST_CRASH_AT=<step>`: the process SIGKILLs itself the first time it reaches that step (a worker
   * step such as `task-ready`, or a transaction step such as `tx:after-broadcast`), like a power cut. The kill
   * -9 suites use it; undefined when unset, so it costs nothing.
   */
  crashAt: ((step: string) => void) | undefined;
  /** `OLNODE_TEST_LOG=<level>`: the log level of `createTestCommon()` (silent when unset). */
  logLevel: LogLevel;
};

export function readTestHooks(env: NodeJS.ProcessEnv = process.env): TestHooks {
  const at = env.OLNODE_TEST_CRASH_AT;
  return {
    crashAt: at
      ? (step) => {
          if (step === at) process.kill(process.pid, "SIGKILL");
        }
      : undefined,
    logLevel: (env.OLNODE_TEST_LOG as LogLevel | undefined) || "silent",
  };
}
