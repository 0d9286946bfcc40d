import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { Commitment } from "../commitments/commitmentSource.ts";
import { type ChunkedContribution, chunkContribution, DEFAULT_CHUNK_BYTES } from "./chunkContribution.ts";

/**
 * The output-chunk rule. An inference output that workers re-check travels like a contribution, under its
 * `outputRoot`, but as exactly ONE chunk (≤ the Datanet's maxChunkBytes, 256 KiB by default) on the topic of
 * the model's lowest-id Datanet. The chain records no chunk count for outputs; fixing it at 1 keeps
 * validation as strict as for contributions (the count is bound into the root, contracts/merkle/chunkTree.ts),
 * and the lowest id is a topic every node can compute from the model alone.
 */
export const OUTPUT_CHUNK_COUNT = 1;

export class OutputChunkError extends NonRetryableUserError {
  override name = "OutputChunkError";
}

/** The Datanet whose topic carries a model's outputs: the lowest of the model's Datanet ids. */
export function outputTopicDatanet(modelDatanetIds: Iterable<bigint>): bigint {
  let lowest: bigint | undefined;
  for (const id of modelDatanetIds) if (lowest === undefined || id < lowest) lowest = id;
  if (lowest === undefined) {
    throw new OutputChunkError("The model has no Datanets, so its outputs have no topic.", {
      hint: "A registered model always names 1 to 32 Datanets: pass them (ModelRegistry.getModel).",
    });
  }
  return lowest;
}

/** An output as the one chunk it travels as; its `dataRoot` is the `outputRoot` to record on-chain. */
export function chunkOutput(parameters: {
  modelDatanetIds: Iterable<bigint>;
  bytes: Uint8Array;
  /** The topic Datanet's maxChunkBytes (default 256 KiB): a longer output cannot travel. */
  maxChunkBytes?: number;
}): ChunkedContribution {
  const max = parameters.maxChunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (parameters.bytes.length > max) {
    throw new OutputChunkError(
      `An inference output of ${parameters.bytes.length} bytes exceeds one chunk (${max}).`,
      {
        hint: "Outputs travel as one chunk: record an output of at most the topic Datanet's maxChunkBytes.",
      },
    );
  }
  return chunkContribution({
    datanetId: outputTopicDatanet(parameters.modelDatanetIds),
    bytes: parameters.bytes,
    chunkBytes: Math.max(1, parameters.bytes.length),
  });
}

/**
 * What p2p treats as committed for a recorded inference: its output root, one chunk, on the lowest Datanet's
 * topic, never rejected (a dishonest attribution is disputed on-chain; the output itself is evidence).
 * Undefined when the model's Datanets are not known (yet).
 */
export function outputCommitment(parameters: {
  outputRoot: Hash;
  modelDatanets: readonly { id: bigint; maxChunkBytes?: number }[];
}): Commitment | undefined {
  if (parameters.modelDatanets.length === 0) return undefined;
  const topic = outputTopicDatanet(parameters.modelDatanets.map((d) => d.id));
  const datanet = parameters.modelDatanets.find((d) => d.id === topic)!;
  return {
    dataRoot: parameters.outputRoot,
    datanetId: topic,
    chunkCount: OUTPUT_CHUNK_COUNT,
    byteSize: 0n,
    status: "accepted",
    ...(datanet.maxChunkBytes === undefined ? {} : { maxChunkBytes: datanet.maxChunkBytes }),
  };
}
