import type { Logger } from "pino";

export type Shutdown = {
  /** Aborted when shutdown starts: long-running loops watch it and stop taking new work. */
  signal: AbortSignal;
  isShuttingDown(): boolean;
  /**
   * Registers a stop callback. Callbacks run in reverse order of registration (what started last stops
   * first), one at a time, each bounded by `timeoutMs`.
   */
  add(name: string, callback: () => Promise<void> | void, timeoutMs?: number): void;
  /** Starts shutdown (once) and resolves when every callback has run or timed out. */
  kill(reason?: string): Promise<void>;
};

export function createShutdown(parameters: { logger?: Logger; defaultTimeoutMs?: number } = {}): Shutdown {
  const controller = new AbortController();
  const callbacks: { name: string; callback: () => Promise<void> | void; timeoutMs: number }[] = [];
  let done: Promise<void> | undefined;
  const defaultTimeoutMs = parameters.defaultTimeoutMs ?? 10_000;

  async function runOne(entry: (typeof callbacks)[number]) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), entry.timeoutMs);
      timer.unref?.();
    });
    try {
      const result = await Promise.race([Promise.resolve().then(entry.callback), timeout]);
      if (result === "timeout") {
        parameters.logger?.warn({
          msg: "Shutdown step timed out",
          step: entry.name,
          timeoutMs: entry.timeoutMs,
        });
      }
    } catch (error) {
      parameters.logger?.error({ msg: "Shutdown step failed", step: entry.name, error });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    signal: controller.signal,
    isShuttingDown: () => controller.signal.aborted,
    add(name, callback, timeoutMs = defaultTimeoutMs) {
      if (controller.signal.aborted) {
        // Registered during shutdown: run it right away rather than leak the resource.
        void runOne({ name, callback, timeoutMs });
        return;
      }
      callbacks.push({ name, callback, timeoutMs });
    },
    kill(reason = "shutdown") {
      if (done) return done;
      controller.abort(reason);
      done = (async () => {
        for (const entry of callbacks.splice(0).reverse()) await runOne(entry);
      })();
      return done;
    },
  };
}
