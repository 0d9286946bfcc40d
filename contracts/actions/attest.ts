import { type Address, encodeFunctionData, type Hex, type TransactionReceipt } from "viem";
import type { SubjectKind } from "../enums/subjectKind.ts";
import type { Verdict } from "../enums/verdict.ts";
import { epochManagerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, sendProtocolCall } from "./protocolCall.ts";

export type AttestParameters = {
  /** The EpochManager's address. */
  address: Address;
  epoch: bigint;
  kind: SubjectKind;
  subjectId: bigint;
  verdict: Verdict;
  score: number;
  resultHash: Hex;
};
export type AttestReturnType = { receipt: TransactionReceipt };

/** `EpochManager.attest`, encoded. */
export function attestCall(p: AttestParameters): ProtocolCall {
  return {
    functionName: "attest",
    to: p.address,
    data: encodeFunctionData({
      abi: epochManagerAbi,
      functionName: "attest",
      args: [p.epoch, p.kind, p.subjectId, p.verdict, p.score, p.resultHash],
    }),
  };
}

/** A worker's verdict on a subject it is assigned in the current epoch (contracts/assignment.ts); the vote that reaches quorum finalizes it. */
export async function attest(clients: ProtocolClients, p: AttestParameters): Promise<AttestReturnType> {
  const receipt = await sendProtocolCall(clients, attestCall(p));
  return { receipt };
}
