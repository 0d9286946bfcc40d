/**
 * p2p: Datanet chunk gossip over libp2p, the LevelDB chunk store and backfill sync. The node (node/) calls
 * `createP2PNode` with a `Common`, options and a `CommitmentSource` wired to the chain; nothing else here is
 * needed from outside except the types and the helpers re-exported below.
 */
export {
  type ChunkedContribution,
  chunkContribution,
  DEFAULT_CHUNK_BYTES,
} from "./chunks/chunkContribution.ts";
export { type ChunkMessage, decodeChunkMessage, encodeChunkMessage } from "./chunks/chunkMessage.ts";
export {
  chunkOutput,
  OUTPUT_CHUNK_COUNT,
  OutputChunkError,
  outputCommitment,
  outputTopicDatanet,
} from "./chunks/outputChunk.ts";
export type { Commitment, CommitmentChange, CommitmentSource } from "./commitments/commitmentSource.ts";
export {
  createMemoryCommitmentSource,
  type MemoryCommitmentSource,
} from "./commitments/createMemoryCommitmentSource.ts";
export {
  type CreateP2PNodeParameters,
  createP2PNode,
  type P2PNode,
  type PublishContributionParameters,
  type PublishContributionResult,
  type PublishOutputParameters,
} from "./createP2PNode.ts";
export { chunkTopic } from "./gossip/chunkTopic.ts";
export type { ChunkValidation } from "./gossip/validateChunk.ts";
export { loadPeerKey, PeerKeyFileError } from "./host/loadPeerKey.ts";
export { defaultP2POptions, type P2POptions } from "./options.ts";
export type { ChunkStore, ContributionRecord } from "./store/createChunkStore.ts";
