import { type Address, encodeFunctionData, type Hex, parseEventLogs, type TransactionReceipt } from "viem";
import { attributionLedgerAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, requireEvent, sendProtocolCall } from "./protocolCall.ts";

export type RecordInferenceParameters = {
  /** The AttributionLedger's address. */
  address: Address;
  modelId: bigint;
  /** The chunk Merkle root of the output's bytes (one chunk: p2p's `outputCommitment`). */
  outputRoot: Hex;
  /**
   * The block whose end state the attribution was computed against: the corpus is the contributions Accepted in
   * the model's Datanets by then. Before the block the call lands in, and at most `MAX_CORPUS_AGE` (256) back.
   */
  corpusBlock: bigint;
  tokensIn: bigint;
  tokensOut: bigint;
  /** Strictly ascending ids of Accepted contributions from the model's Datanets. */
  contributionIds: readonly bigint[];
  /** Parts per million, > 0, summing to exactly 1,000,000. */
  weights: readonly bigint[];
  /** Exactly `quoteFee(tokensIn, tokensOut)`; `recordInference` reads it when left out. */
  fee?: bigint;
};
export type RecordInferenceReturnType = { inferenceId: bigint; fee: bigint; receipt: TransactionReceipt };

/** `AttributionLedger.recordInference`, encoded; the fee must be given. */
export function recordInferenceCall(p: RecordInferenceParameters & { fee: bigint }): ProtocolCall {
  return {
    functionName: "recordInference",
    to: p.address,
    data: encodeFunctionData({
      abi: attributionLedgerAbi,
      functionName: "recordInference",
      args: [p.modelId, p.outputRoot, p.corpusBlock, p.tokensIn, p.tokensOut, p.contributionIds, p.weights],
    }),
    value: p.fee,
  };
}

/** Records an inference and pays its fee, split between treasury, developer, validators and contributors. */
export async function recordInference(
  clients: ProtocolClients,
  p: RecordInferenceParameters,
): Promise<RecordInferenceReturnType> {
  const fee =
    p.fee ??
    (await clients.publicClient.readContract({
      address: p.address,
      abi: attributionLedgerAbi,
      functionName: "quoteFee",
      args: [p.tokensIn, p.tokensOut],
    }));
  const receipt = await sendProtocolCall(clients, recordInferenceCall({ ...p, fee }));
  const event = requireEvent(
    parseEventLogs({ abi: attributionLedgerAbi, logs: receipt.logs, eventName: "InferenceRecorded" }),
    "InferenceRecorded",
  );
  return { inferenceId: event.args.inferenceId, fee, receipt };
}
