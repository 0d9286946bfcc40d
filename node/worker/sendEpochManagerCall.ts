import { type Address, encodeFunctionData, type Hex } from "viem";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import type { CallOutcome, CallSender } from "./workerTypes.ts";

export type EpochManagerCall = {
  /** Idempotency key: the sender sends at most one transaction per key, across crashes. */
  key: string;
  functionName: string;
  args: readonly unknown[];
  value?: bigint;
  gas?: bigint;
};

/** Encodes one EpochManager write and hands it to the crash-safe sender. */
export function sendEpochManagerCall(
  sender: CallSender,
  epochManager: Address,
  call: EpochManagerCall,
): Promise<CallOutcome> {
  const data = encodeFunctionData({
    abi: epochManagerAbi,
    functionName: call.functionName,
    args: call.args,
  } as never) as Hex;
  return sender.send({
    key: call.key,
    to: epochManager,
    data,
    ...(call.value ? { value: call.value } : {}),
    ...(call.gas ? { gas: call.gas } : {}),
  });
}
