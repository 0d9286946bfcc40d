import type { ContributionStatus } from "../../contracts/enums/contributionStatus.ts";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";

/**
 * What p2p needs to know about a contribution from the chain: its `DatanetRegistry.contribute` record.
 * `status` follows the validator quorum; chunks of a rejected contribution are neither forwarded nor kept.
 */
export type Commitment = {
  dataRoot: Hash;
  datanetId: bigint;
  chunkCount: number;
  byteSize: bigint;
  status?: ContributionStatus;
  /** The Datanet's `maxChunkBytes`, when the source knows it: chunks larger than this are rejected. */
  maxChunkBytes?: number;
};

/**
 * The only door from p2p to the chain. The node wires it to the indexer's tables or to a viem client reading
 * `ContributionSubmitted` events; tests use `createMemoryCommitmentSource`. p2p never imports either side.
 *
 * - `getCommitment` answers "is this root committed on-chain, and with what shape?" (undefined = not yet).
 *   It is called on the gossip hot path for roots the validator has not cached, so it must be cheap.
 * - `onCommitment` (optional) pushes new commitments so chunks waiting for their root are re-checked at once
 *   and complete contributions are backfilled; without it p2p falls back to its retry schedule and sweep.
 *   It returns an unsubscribe function.
 */
export type CommitmentSource = {
  getCommitment(dataRoot: Hash): Promise<Commitment | undefined>;
  onCommitment?(listener: (commitment: Commitment) => void): () => void;
  /** Optional: recent commitments of a Datanet, for the "what am I missing" sweep. */
  listCommitments?(datanetId: bigint): Promise<Commitment[]>;
};
