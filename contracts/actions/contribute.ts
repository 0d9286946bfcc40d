import { type Address, encodeFunctionData, type Hex, parseEventLogs, type TransactionReceipt } from "viem";
import { datanetRegistryAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, requireEvent, sendProtocolCall } from "./protocolCall.ts";

export type ContributeParameters = {
  /** The DatanetRegistry's address. */
  address: Address;
  datanetId: bigint;
  dataRoot: Hex;
  byteSize: bigint;
  chunkCount: number;
  license: string;
  metadataURI: string;
};
export type ContributeReturnType = { contributionId: bigint; receipt: TransactionReceipt };

/** `DatanetRegistry.contribute`, encoded. */
export function contributeCall(p: ContributeParameters): ProtocolCall {
  return {
    functionName: "contribute",
    to: p.address,
    data: encodeFunctionData({
      abi: datanetRegistryAbi,
      functionName: "contribute",
      args: [p.datanetId, p.dataRoot, p.byteSize, p.chunkCount, p.license, p.metadataURI],
    }),
  };
}

/** Commits a contribution: `dataRoot` is the chunk Merkle root (contracts/merkle/chunkTree.ts) of its bytes. It starts Pending. */
export async function contribute(
  clients: ProtocolClients,
  p: ContributeParameters,
): Promise<ContributeReturnType> {
  const receipt = await sendProtocolCall(clients, contributeCall(p));
  const event = requireEvent(
    parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs, eventName: "ContributionSubmitted" }),
    "ContributionSubmitted",
  );
  return { contributionId: event.args.contributionId, receipt };
}
