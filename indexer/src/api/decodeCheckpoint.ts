/**
 * Ponder 0.16's checkpoint (`_ponder_checkpoint.latest_checkpoint`, ponder/dist/esm/utils/checkpoint.js): fixed
 * width decimal fields — block timestamp (10 digits), chain id (16), block number (16), transaction index (16),
 * event type (1), event index (16). Ponder does not export its decoder.
 */
export type PonderCheckpoint = {
  blockTimestamp: bigint;
  chainId: bigint;
  blockNumber: bigint;
  transactionIndex: bigint;
  eventType: number;
  eventIndex: bigint;
};

const WIDTHS = [10, 16, 16, 16, 1, 16] as const;
const LENGTH = WIDTHS.reduce((a, b) => a + b, 0);

export class CheckpointFormatError extends Error {
  override name = "CheckpointFormatError";
}

export function decodeCheckpoint(checkpoint: string): PonderCheckpoint {
  if (checkpoint.length !== LENGTH || !/^\d+$/.test(checkpoint)) {
    throw new CheckpointFormatError(
      `Ponder checkpoint ${JSON.stringify(checkpoint.slice(0, 100))} is not ${LENGTH} decimal digits: ` +
        "a Ponder version with another checkpoint format? Update indexer/src/api/decodeCheckpoint.ts.",
    );
  }
  const fields: string[] = [];
  let offset = 0;
  for (const width of WIDTHS) {
    fields.push(checkpoint.slice(offset, offset + width));
    offset += width;
  }
  return {
    blockTimestamp: BigInt(fields[0]!),
    chainId: BigInt(fields[1]!),
    blockNumber: BigInt(fields[2]!),
    transactionIndex: BigInt(fields[3]!),
    eventType: Number(fields[4]!),
    eventIndex: BigInt(fields[5]!),
  };
}
