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

/**
 * What the live services of this test file say, for any wait that gives up: a harness that starts a process
 * registers a function returning its last log lines, and every waitFor timeout in the file ends with them. Only
 * the most recent few are kept (a walk that restarts a process many times needs its last runs, not all).
 */
const diagnoses: { label: string; text: () => string }[] = [];
const KEPT = 4;

export function registerDiagnosis(label: string, text: () => string): void {
  diagnoses.push({ label, text });
  if (diagnoses.length > KEPT) diagnoses.shift();
}

export function liveDiagnoses(): string[] {
  return diagnoses.map(({ label, text }) => {
    try {
      return text();
    } catch (error) {
      return `  (${label}: ${error instanceof Error ? error.message : String(error)})`;
    }
  });
}
