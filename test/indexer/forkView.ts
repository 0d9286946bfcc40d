import type { Address, Hex } from "viem";
import { datanetRegistryAbi } from "../../contracts/generated/index.ts";
import type { IndexerProcess } from "../../indexer/startIndexer.ts";
import type { TestChain } from "../harness/anvil.ts";
import { notYet, waitFor } from "../harness/waitFor.ts";
import { getJson, graphql } from "./indexerFixture.ts";

/**
 * What a client reads about one fork: the indexer's view (GraphQL and /status) and the chain's (eth_getLogs and
 * the DatanetRegistry's views) in the same shape, so that "the index equals the new chain after a reorg" is one
 * comparison. Used by the reorg suites and the `indexer.reorg_converge` benchmark.
 */
export type ForkView = {
  /** The head: the chain's latest block, or the block the indexer reports it has indexed. */
  head: { number: bigint; hash: Hex | null };
  /** Every contribution, in id order, with the transaction and block it came from. */
  contributions: {
    id: string;
    dataRoot: string;
    contributor: string;
    byteSize: string;
    blockNumber: string;
    transactionHash: string;
  }[];
  /** DatanetRegistry.contributionCount() on the chain; the indexed rows' count in the index. */
  contributionCount: number;
};

type ContributionRow = ForkView["contributions"][number];

/** The chain's view at its head: ContributionSubmitted logs decoded with the ABI, and contributionCount(). */
export async function chainForkView(chain: TestChain, datanetRegistry: Address, fromBlock: bigint) {
  const head = await chain.publicClient.getBlock({ blockTag: "latest" });
  const [logs, count] = await Promise.all([
    chain.publicClient.getContractEvents({
      address: datanetRegistry,
      abi: datanetRegistryAbi,
      eventName: "ContributionSubmitted",
      fromBlock,
      toBlock: head.number,
    }),
    chain.publicClient.readContract({
      address: datanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "contributionCount",
      blockNumber: head.number,
    }),
  ]);
  return {
    head: { number: head.number, hash: head.hash },
    contributions: logs.map(
      (l): ContributionRow => ({
        id: l.args.contributionId!.toString(),
        dataRoot: l.args.dataRoot!,
        contributor: l.args.contributor!.toLowerCase(),
        byteSize: l.args.byteSize!.toString(),
        blockNumber: l.blockNumber.toString(),
        transactionHash: l.transactionHash,
      }),
    ),
    contributionCount: Number(count),
  } satisfies ForkView;
}

/** The indexer's view: GraphQL's contributions and the indexed block of GET /api/v1/status. */
export async function indexedForkView(indexer: Pick<IndexerProcess, "url">): Promise<ForkView> {
  const [{ body: status }, data] = await Promise.all([
    getJson(indexer, "/api/v1/status"),
    graphql<{ contributions: { items: ContributionRow[]; totalCount: number } }>(
      indexer,
      `{ contributions(limit: 1000, orderBy: "id") {
           items { id dataRoot contributor byteSize blockNumber: submittedBlock transactionHash: submittedTx }
           totalCount } }`,
    ),
  ]);
  const block = (status as { block?: { number: string; hash: Hex | null } | null }).block;
  return {
    head: { number: block ? BigInt(block.number) : -1n, hash: block?.hash ?? null },
    // GraphQL orders the text id as text; the chain's order is numeric.
    contributions: [...data.contributions.items].sort((a, b) => Number(a.id) - Number(b.id)),
    contributionCount: data.contributions.totalCount,
  };
}

/** The first way the index differs from the chain, or undefined when they are equal. */
export function forkDifference(indexed: ForkView, canonical: ForkView): string | undefined {
  if (indexed.head.number !== canonical.head.number || indexed.head.hash !== canonical.head.hash) {
    return `indexed block ${indexed.head.number} ${indexed.head.hash} is not the chain's head ${canonical.head.number} ${canonical.head.hash}`;
  }
  if (indexed.contributionCount !== canonical.contributionCount) {
    return `${indexed.contributionCount} contributions indexed, contributionCount() is ${canonical.contributionCount}`;
  }
  const n = Math.max(indexed.contributions.length, canonical.contributions.length);
  for (let i = 0; i < n; i++) {
    const a = JSON.stringify(indexed.contributions[i]);
    const b = JSON.stringify(canonical.contributions[i]);
    if (a !== b) return `contribution #${i}: indexed ${a ?? "none"}, chain ${b ?? "none"}`;
  }
  return undefined;
}

/**
 * Waits until the index equals the chain (head block and hash, every contribution, the registry's count) and
 * returns the canonical view it matched. The chain is read again on every try, so blocks mined meanwhile count.
 */
export async function waitForFork(
  parameters: {
    chain: TestChain;
    indexer: Pick<IndexerProcess, "url">;
    datanetRegistry: Address;
    fromBlock: bigint;
    what?: string;
  },
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<ForkView> {
  const { chain, indexer, datanetRegistry, fromBlock } = parameters;
  return waitFor(
    parameters.what ?? "the index to equal the chain",
    async () => {
      const canonical = await chainForkView(chain, datanetRegistry, fromBlock);
      const indexed = await indexedForkView(indexer);
      const difference = forkDifference(indexed, canonical);
      return difference === undefined
        ? canonical
        : notYet(difference, { indexedHead: indexed.head, chainHead: canonical.head });
    },
    { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: options.intervalMs ?? 50 },
  );
}
