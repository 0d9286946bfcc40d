import type { Address, Hex, PublicClient } from "viem";
import { decodeContributionStatus } from "../../contracts/enums/contributionStatus.ts";
import { datanetRegistryAbi } from "../../contracts/generated/index.ts";
import type { Commitment, CommitmentSource } from "../../p2p/index.ts";

/**
 * Commitments read straight from DatanetRegistry over JSON-RPC: for a short-lived p2p node that has no
 * indexer (`olnode contribute`). Two calls per unknown root; p2p caches the answers.
 */
export function createChainCommitmentSource(
  publicClient: PublicClient,
  datanetRegistry: Address,
): CommitmentSource {
  const registry = { address: datanetRegistry, abi: datanetRegistryAbi } as const;
  return {
    async getCommitment(dataRoot): Promise<Commitment | undefined> {
      const id = await publicClient.readContract({
        ...registry,
        functionName: "contributionIdByRoot",
        args: [dataRoot as Hex],
      });
      if (id === 0n) return undefined;
      const c = await publicClient.readContract({ ...registry, functionName: "getContribution", args: [id] });
      const d = await publicClient.readContract({
        ...registry,
        functionName: "getDatanet",
        args: [BigInt(c.datanetId)],
      });
      return {
        dataRoot,
        datanetId: BigInt(c.datanetId),
        chunkCount: Number(c.chunkCount),
        byteSize: BigInt(c.byteSize),
        status: decodeContributionStatus(c.status),
        maxChunkBytes: Number(d.maxChunkBytes),
      };
    },
  };
}
