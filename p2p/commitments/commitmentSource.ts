import type { ContributionStatus } from "../../contracts/enums/contributionStatus.ts";
import type { Hash } from "../../contracts/merkle/chunkTree.ts";

/**
 * What p2p needs to know about a contribution from the chain: its `DatanetRegistry.contribute` record.
 * `status` follows the validator quorum and the Datanet owner; chunks of a rejected contribution are neither
 * forwarded nor kept.
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
 * One change of what the chain commits to: a root became committed or its status changed (`committed`, with
 * the commitment as it is now), or a reorg took it off the chain (`removed`).
 */
export type CommitmentChange =
  | { type: "committed"; commitment: Commitment }
  | { type: "removed"; dataRoot: Hash };

/**
 * The only door from p2p to the chain. The node wires it to the indexer's tables or to a viem client reading
 * the registry; tests use `createMemoryCommitmentSource`. p2p never imports either side.
 *
 * - `getCommitment` answers "is this root committed on-chain, and with what shape?" (undefined = not yet).
 *   It is called on the gossip hot path for roots the validator has not cached, so it must be cheap.
 * - `onCommitment` (optional) is the change stream: every new commitment, every later status change and
 *   every reorg that removes one, so the validator's cache never keeps a stale answer, chunks waiting for
 *   their root are re-checked at once and rejected contributions are pruned. Without it p2p falls back to
 *   its retry schedule and sweep, and caches nothing it cannot re-ask. It returns an unsubscribe function.
 */
export type CommitmentSource = {
  getCommitment(dataRoot: Hash): Promise<Commitment | undefined>;
  onCommitment?(listener: (change: CommitmentChange) => void): () => void;
  /** Optional: every commitment of a Datanet that is not rejected, for the "what am I missing" sweep. */
  listCommitments?(datanetId: bigint): Promise<Commitment[]>;
};
