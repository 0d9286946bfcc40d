import { currentTestSignal, liveDiagnoses } from "./currentTest.ts";

/** Thrown from a check to stop waiting at once (the awaited process died): waitFor rethrows it. */
export class WaitForAbort extends Error {
  override name = "WaitForAbort";
}

/**
 * What a check returns while its condition is unmet: which part is missing and what the live system showed,
 * so that a timeout says more than "timed out".
 */
export class NotYet {
  readonly unmet: string;
  readonly seen: unknown;
  constructor(unmet: string, seen?: unknown) {
    this.unmet = unmet;
    this.seen = seen;
  }
}

export const notYet = (unmet: string, seen?: unknown) => new NotYet(unmet, seen);

/** Thrown when the wait gives up: the message carries the last unmet condition, what was seen and `diagnose`. */
export class WaitForTimeoutError extends Error {
  override name = "WaitForTimeoutError";
  readonly last: { unmet?: string; seen?: unknown; error?: string; diagnosis?: string };
  constructor(message: string, last: WaitForTimeoutError["last"]) {
    super(message);
    this.last = last;
  }
}

export type WaitForOptions = {
  timeoutMs?: number;
  intervalMs?: number;
  /**
   * Called once when the wait gives up; its text ends the error message: the last log lines of the service in
   * question, its /status, anything that says why the condition never came. The services the harness started
   * for this file add their last log lines by themselves (registerDiagnosis).
   */
  diagnose?: () => string | Promise<string>;
  /** Stops the wait (WaitForAbort). Defaults to the running test's signal, aborted when the test times out. */
  signal?: AbortSignal;
};

const show = (value: unknown) =>
  typeof value === "string"
    ? value
    : JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 1)
        .replace(/\n\s*/g, " ")
        .slice(0, 4000);

/**
 * Polls `check` until it returns a truthy value other than NotYet, and returns it. For waiting on real
 * processes without asserting on how long they take. When it gives up after `timeoutMs`, the error names
 * `what`, the last NotYet's unmet condition and what it saw, the check's last error, and `diagnose()`'s text.
 * A check that throws WaitForAbort, or the test being aborted (it timed out), ends the wait at once.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | NotYet | Promise<T | NotYet>,
  options: WaitForOptions = {},
): Promise<Exclude<NonNullable<T>, NotYet>> {
  const { timeoutMs = 30_000, intervalMs = 50 } = options;
  const signal = options.signal ?? currentTestSignal();
  const deadline = Date.now() + timeoutMs;
  let last: NotYet | undefined;
  let lastError: string | undefined;
  const aborted = () => {
    if (signal?.aborted) throw new WaitForAbort(`Stopped waiting for ${what}: the test was aborted`);
  };
  while (Date.now() < deadline) {
    aborted();
    try {
      const value = await check();
      if (value instanceof NotYet) last = value;
      else if (value) return value as Exclude<NonNullable<T>, NotYet>;
      lastError = undefined;
    } catch (error) {
      if (error instanceof WaitForAbort) throw error;
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  aborted();
  let diagnosis: string | undefined;
  try {
    diagnosis = await options.diagnose?.();
  } catch (error) {
    diagnosis = `(diagnose failed: ${error instanceof Error ? error.message : String(error)})`;
  }
  const lines = [`Timed out after ${timeoutMs} ms waiting for ${what}`];
  if (last) lines.push(`  unmet: ${last.unmet}`);
  if (last?.seen !== undefined) lines.push(`  last seen: ${show(last.seen)}`);
  if (lastError) lines.push(`  last check failed: ${lastError}`);
  if (!last && !lastError) lines.push("  the check returned nothing truthy");
  if (diagnosis) lines.push(diagnosis);
  // The last lines of the services this file started (their harness registered them), when not diagnosed above.
  for (const text of liveDiagnoses()) if (text && !diagnosis?.includes(text)) lines.push(text);
  throw new WaitForTimeoutError(lines.join("\n"), {
    unmet: last?.unmet,
    seen: last?.seen,
    error: lastError,
    diagnosis,
  });
}

/** The last `count` lines of a process's output, indented, for a diagnosis. */
export function lastLines(label: string, text: string, count = 30): string {
  const lines = text.trimEnd().split("\n").slice(-count);
  return `  last ${lines.length} lines of ${label}:\n${lines.map((l) => `    ${l.slice(0, 600)}`).join("\n")}`;
}
