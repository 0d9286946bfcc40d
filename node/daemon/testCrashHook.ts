/**
 * Test-only: when OLNODE_TEST_CRASH_AT names a step (a worker step such as `task-ready`, or a transaction
 * step of an attestation such as `tx:after-broadcast`), the process SIGKILLs itself the first time it gets
 * there, like a power cut. Unset (always, outside the kill -9 tests) it returns undefined and costs nothing.
 */
export function testCrashHook(env: NodeJS.ProcessEnv = process.env): ((step: string) => void) | undefined {
  const at = env.OLNODE_TEST_CRASH_AT;
  if (!at) return undefined;
  return (step) => {
    if (step === at) process.kill(process.pid, "SIGKILL");
  };
}
