/**
 * The running test's AbortSignal (vitest aborts it when the test times out), set by testSetup.ts before each
 * test. A harness wait polls it, so a timed-out test's body stops waiting instead of running on beside the next
 * test.
 */
let signal: AbortSignal | undefined;

export function setCurrentTestSignal(value: AbortSignal | undefined): void {
  signal = value;
}

export function currentTestSignal(): AbortSignal | undefined {
  return signal;
}
