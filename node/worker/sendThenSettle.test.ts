import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { sendThenSettle } from "./sendThenSettle.ts";
import type { CallOutcome, CallSender } from "./workerTypes.ts";

const CALL = {
  functionName: "attest",
  to: "0x00000000000000000000000000000000000000ee",
  data: "0x",
} as const;
const TX = `0x${"ab".repeat(32)}` as Hex;

/** A sender whose broadcast and outcome the test releases by hand. */
function manualSender() {
  let sent: (() => void) | undefined;
  let finish: ((o: CallOutcome) => void) | undefined;
  const sender: CallSender = {
    send: ({ onSent }) => {
      sent = onSent;
      return new Promise((resolve) => {
        finish = resolve;
      });
    },
  };
  return { sender, broadcast: () => sent?.(), finish: (o: CallOutcome) => finish?.(o) };
}

describe("sendThenSettle", () => {
  it("lets the caller go once the transaction is out, and settles it when the outcome comes", async () => {
    const s = manualSender();
    const settled: CallOutcome[] = [];
    const r = sendThenSettle(s.sender, { key: "k", call: CALL }, async (o) => {
      settled.push(o);
    });
    let out = false;
    void r.out.then(() => (out = true));
    await Promise.resolve();
    expect(out).toBe(false);
    s.broadcast();
    await r.out;
    expect(settled).toEqual([]);
    s.finish({ status: "confirmed", txHash: TX });
    await r.settled;
    expect(settled).toEqual([{ status: "confirmed", txHash: TX }]);
  });

  it("lets the caller go when the outcome comes without a broadcast (refused, or done before)", async () => {
    const s = manualSender();
    const r = sendThenSettle(s.sender, { key: "k", call: CALL }, async () => {});
    s.finish({ status: "expired", error: "too late", errorName: "InclusionTooLate" });
    await r.out;
    await r.settled;
  });

  it("passes a failure to the caller when nothing went out", async () => {
    const sender: CallSender = { send: async () => Promise.reject(new Error("rpc down")) };
    const r = sendThenSettle(sender, { key: "k", call: CALL }, async () => {});
    await expect(r.out).rejects.toThrow("rpc down");
    await expect(r.settled).rejects.toThrow("rpc down");
  });
});
