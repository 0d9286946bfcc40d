import { type Address, encodeFunctionData, parseEventLogs, type TransactionReceipt } from "viem";
import { datanetRegistryAbi } from "../generated/index.ts";
import { type ProtocolCall, type ProtocolClients, requireEvent, sendProtocolCall } from "./protocolCall.ts";

export type CreateDatanetParameters = {
  /** The DatanetRegistry's address. */
  address: Address;
  name: string;
  metadataURI: string;
  format: string;
  maxChunkBytes: number;
};
export type CreateDatanetReturnType = { datanetId: bigint; receipt: TransactionReceipt };

/** `DatanetRegistry.createDatanet`, encoded. */
export function createDatanetCall(p: CreateDatanetParameters): ProtocolCall {
  return {
    functionName: "createDatanet",
    to: p.address,
    data: encodeFunctionData({
      abi: datanetRegistryAbi,
      functionName: "createDatanet",
      args: [p.name, p.metadataURI, p.format, p.maxChunkBytes],
    }),
  };
}

/** Creates a Datanet owned by the sender: contributions to it are `format` (`text` or `jsonl`) in chunks of at most `maxChunkBytes`. */
export async function createDatanet(
  clients: ProtocolClients,
  p: CreateDatanetParameters,
): Promise<CreateDatanetReturnType> {
  const receipt = await sendProtocolCall(clients, createDatanetCall(p));
  const event = requireEvent(
    parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs, eventName: "DatanetCreated" }),
    "DatanetCreated",
  );
  return { datanetId: event.args.datanetId, receipt };
}
