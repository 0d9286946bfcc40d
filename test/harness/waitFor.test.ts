import { describe, expect, it } from "vitest";
import { lastLines, NotYet, notYet, WaitForAbort, WaitForTimeoutError, waitFor } from "./waitFor.ts";

describe("waitFor", () => {
  it("returns the first truthy value that is not NotYet", async () => {
    let n = 0;
    const value = await waitFor("three polls", () => (++n >= 3 ? { n } : notYet(`only ${n}`)), {
      intervalMs: 1,
    });
    expect(value).toEqual({ n: 3 });
  });

  it("says, when it gives up, which condition was unmet, what it saw, and the diagnosis", async () => {
    const error = await waitFor(
      "points for every worker",
      () => notYet("no points for 0xabc", { points: 0n }),
      {
        timeoutMs: 30,
        intervalMs: 5,
        diagnose: () => lastLines("the devnet's log", "one\ntwo\nthree", 2),
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitForTimeoutError);
    const message = (error as Error).message;
    expect(message).toContain("Timed out after 30 ms waiting for points for every worker");
    expect(message).toContain("unmet: no points for 0xabc");
    expect(message).toContain('last seen: { "points": "0" }');
    expect(message).toContain("last 2 lines of the devnet's log:\n    two\n    three");
    expect((error as WaitForTimeoutError).last.unmet).toBe("no points for 0xabc");
  });

  it("reports the check's last error, and that nothing truthy came when nothing else is known", async () => {
    const failing = await waitFor(
      "the RPC",
      () => {
        throw new Error("ECONNREFUSED");
      },
      { timeoutMs: 20, intervalMs: 5 },
    ).catch((e: Error) => e.message);
    expect(failing).toContain("last check failed: ECONNREFUSED");
    const falsy = await waitFor("a flag", () => false, { timeoutMs: 20, intervalMs: 5 }).catch(
      (e: Error) => e.message,
    );
    expect(falsy).toContain("the check returned nothing truthy");
  });

  it("stops at once on WaitForAbort from the check, and when its signal is aborted", async () => {
    await expect(
      waitFor(
        "a process",
        () => {
          throw new WaitForAbort("olnode start exited (1)");
        },
        { timeoutMs: 60_000 },
      ),
    ).rejects.toThrow("olnode start exited (1)");
    const controller = new AbortController();
    const waiting = waitFor("never", () => new NotYet("never"), {
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(WaitForAbort);
  });
});
