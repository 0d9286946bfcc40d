/** Thrown from a check to stop waiting at once (the awaited process died): waitFor rethrows it. */
export class WaitForAbort extends Error {
  override name = "WaitForAbort";
}

/**
 * Polls `check` until it returns a truthy value, and returns it. Fails after `timeoutMs` with `what` in the
 * message. For waiting on real processes without asserting on how long they take.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      if (error instanceof WaitForAbort) throw error;
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`,
  );
}
