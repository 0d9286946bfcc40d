import type { Address, PublicClient } from "viem";
import { epochManagerAbi } from "../../contracts/generated/index.ts";
import type { OlNode } from "../daemon/createNode.ts";

/**
 * Lets the devnet's workers register (each node's first pass does it; `nodes` in this process are nudged),
 * waits up to a minute for all of them, then mines to the next epoch: workers are active from the epoch after
 * they register, and a devnet should not sit out the rest of this one.
 */
export async function activateDevnetWorkers(parameters: {
  publicClient: PublicClient;
  epochManager: Address;
  /** Nodes in this process, whose worker pass is started at once; others register on their own. */
  nodes?: OlNode[];
  workers: readonly Address[];
  signal?: AbortSignal;
}): Promise<void> {
  const { publicClient } = parameters;
  const em = { address: parameters.epochManager, abi: epochManagerAbi } as const;
  for (const n of parameters.nodes ?? []) void n.worker?.tick();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    parameters.signal?.throwIfAborted();
    const regs = await Promise.all(
      parameters.workers.map((address) =>
        publicClient.readContract({ ...em, functionName: "getWorker", args: [address] }),
      ),
    );
    if (regs.every((w) => w.registered)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const [genesis, length, head] = await Promise.all([
    publicClient.readContract({ ...em, functionName: "genesisBlock" }),
    publicClient.readContract({ ...em, functionName: "epochLength" }),
    publicClient.getBlockNumber(),
  ]);
  const into = (head - genesis) % length;
  await publicClient.request({
    method: "anvil_mine" as never,
    params: [`0x${(length - into).toString(16)}`] as never,
  });
}
