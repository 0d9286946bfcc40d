import type { Hex, TransactionReceipt } from "viem";
import { describe, expect, it } from "vitest";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import { createCallSender } from "./createCallSender.ts";
import { REVERT_MEANINGS, revertMeaning } from "./revertMeaning.ts";
import type { SubmitOutcome, SubmitParameters, TxSubmitter } from "./tx/createTxSubmitter.ts";
import { INCLUSION_TOO_LATE, TxFailedError } from "./tx/txErrors.ts";

const HASH = `0x${"ab".repeat(32)}` as Hex;
const TO = "0x00000000000000000000000000000000000000ee";

/** A submitter that answers every submit the same way, and keeps what it was asked. */
function submitter(answer: (p: SubmitParameters) => Promise<SubmitOutcome>) {
  const seen: SubmitParameters[] = [];
  const s = {
    submit: (p: SubmitParameters) => {
      seen.push(p);
      return answer(p);
    },
  } as unknown as TxSubmitter;
  return { s, seen };
}

const send = (s: TxSubmitter) =>
  createCallSender(s, epochManagerAbi).send({ key: "k", call: { functionName: "f", to: TO, data: "0x" } });

describe("createCallSender: one rule for a refused call", () => {
  it("passes the rule to the submitter, so an already-done revert in simulation ends satisfied", async () => {
    const { s, seen } = submitter(async () => ({ status: "satisfied", errorName: "AlreadyAttested" }));
    expect(await send(s)).toEqual({ status: "done", errorName: "AlreadyAttested" });
    const isSatisfied = seen[0]!.isSatisfied!;
    for (const [name, meaning] of Object.entries(REVERT_MEANINGS))
      expect(isSatisfied({ errorName: name, data: undefined, message: "" })).toBe(meaning === "done");
    expect(isSatisfied({ errorName: "InsufficientStake", data: undefined, message: "" })).toBe(false);
  });

  it("settles a failed intent by the same rule: done, expired or failed", async () => {
    for (const errorName of ["AlreadyRegistered", "WrongEpoch", "NotAssigned", "InsufficientStake"]) {
      const { s } = submitter(async () => {
        throw new TxFailedError(errorName, undefined);
      });
      const outcome = await send(s);
      expect(outcome.status).toBe(revertMeaning(errorName));
      expect(outcome).toMatchObject({ errorName });
    }
  });

  it("reports a mined revert as failed with its hash, a success as confirmed, and rethrows anything else", async () => {
    const receipt = (status: "success" | "reverted") => ({ status }) as TransactionReceipt;
    const reverted = submitter(async () => ({
      status: "confirmed",
      hash: HASH,
      receipt: receipt("reverted"),
    }));
    expect(await send(reverted.s)).toMatchObject({ status: "failed", txHash: HASH, errorName: "Reverted" });
    const ok = submitter(async () => ({ status: "confirmed", hash: HASH, receipt: receipt("success") }));
    expect(await send(ok.s)).toEqual({ status: "confirmed", txHash: HASH });
    const down = submitter(async () => {
      throw new Error("rpc down");
    });
    await expect(send(down.s)).rejects.toThrow("rpc down");
  });

  it("knows nothing as done or expired that the contracts (or the submitter's own deadline) cannot revert with", () => {
    const names = new Set<string>(epochManagerAbi.filter((e) => e.type === "error").map((e) => e.name));
    names.add(INCLUSION_TOO_LATE);
    for (const name of Object.keys(REVERT_MEANINGS)) expect(names, name).toContain(name);
    expect(revertMeaning(undefined)).toBe("failed");
    expect(revertMeaning("toString")).toBe("failed");
  });
});
