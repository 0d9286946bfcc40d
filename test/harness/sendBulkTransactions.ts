import type { Address, Hash, Hex, PublicClient } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { ProtocolCall } from "../../contracts/actions/protocolCall.ts";
import type { TestChain } from "./anvil.ts";

/** One transaction of a bulk run: a typed action's encoded call, its sender and a gas limit. */
export type BulkTransaction = { from: PrivateKeyAccount; call: ProtocolCall; gas: bigint };

export type BulkSender = {
  /**
   * Signs `txs` locally with explicit nonces, sends them in JSON-RPC batches and mines until the pool is
   * empty; throws naming the first transaction that failed (with its revert). Needs automine off.
   * Returns how many logs they emitted.
   */
  run(txs: BulkTransaction[], label: string): Promise<{ events: number }>;
};

/** Many transactions fast, for backfill tests and benchmarks. Tracks nonces across runs. */
export function createBulkSender(chain: Pick<TestChain, "publicClient" | "rpcUrl">): BulkSender {
  const publicClient: PublicClient = chain.publicClient;
  const nonces = new Map<Address, number>();
  let chainId: number | undefined;

  async function rpc(body: unknown) {
    const res = await fetch(chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return res.json();
  }

  return {
    async run(txs, label) {
      chainId ??= await publicClient.getChainId();
      const block = await publicClient.getBlock();
      const maxFeePerGas = (block.baseFeePerGas ?? 0n) * 4n + 1_000_000_000n;
      const raw: Hex[] = [];
      for (const tx of txs) {
        let nonce = nonces.get(tx.from.address);
        if (nonce === undefined) {
          nonce = await publicClient.getTransactionCount({ address: tx.from.address, blockTag: "pending" });
        }
        nonces.set(tx.from.address, nonce + 1);
        raw.push(
          await tx.from.signTransaction({
            chainId,
            type: "eip1559",
            nonce,
            to: tx.call.to,
            data: tx.call.data,
            value: tx.call.value ?? 0n,
            gas: tx.gas,
            maxFeePerGas,
            maxPriorityFeePerGas: 0n,
          }),
        );
      }
      const hashes: Hash[] = [];
      // JSON-RPC batches of at most ~512 KiB: anvil refuses larger bodies.
      for (let i = 0; i < raw.length; ) {
        const batch: Hex[] = [];
        let bytes = 0;
        while (
          i < raw.length &&
          batch.length < 250 &&
          (batch.length === 0 || bytes + raw[i]!.length < 512 * 1024)
        ) {
          bytes += raw[i]!.length;
          batch.push(raw[i++]!);
        }
        const replies = (await rpc(
          batch.map((r, j) => ({ jsonrpc: "2.0", id: j, method: "eth_sendRawTransaction", params: [r] })),
        )) as { result?: Hash; error?: { message: string } }[] | { error?: { message: string } };
        if (!Array.isArray(replies))
          throw new Error(`${label}: batch rejected: ${JSON.stringify(replies).slice(0, 300)}`);
        for (const reply of replies) {
          if (!reply.result) throw new Error(`${label}: transaction rejected: ${reply.error?.message}`);
          hashes.push(reply.result);
        }
      }
      // Mine until the pool is empty; then check every receipt (in batches) for a revert.
      for (let i = 0; i < 10_000; i++) {
        await rpc({ jsonrpc: "2.0", id: 1, method: "evm_mine", params: [] });
        const status = (await rpc({ jsonrpc: "2.0", id: 1, method: "txpool_status", params: [] })) as {
          result: { pending: string };
        };
        if (Number(status.result.pending) === 0) break;
      }
      let events = 0;
      for (let i = 0; i < hashes.length; i += 500) {
        const receipts = (await rpc(
          hashes
            .slice(i, i + 500)
            .map((h, j) => ({ jsonrpc: "2.0", id: j, method: "eth_getTransactionReceipt", params: [h] })),
        )) as { result: { status: Hex; logs: unknown[]; gasUsed: Hex; blockNumber: Hex } | null }[];
        for (const [j, r] of receipts.entries()) {
          if (r.result?.status !== "0x1") {
            const tx = txs[i + j]!;
            let reason = "not mined";
            if (r.result) {
              reason = await publicClient
                .call({
                  account: tx.from,
                  to: tx.call.to,
                  data: tx.call.data,
                  value: tx.call.value,
                  blockNumber: BigInt(r.result.blockNumber) - 1n,
                })
                .then(() => `reverted only in its block (gas used ${BigInt(r.result!.gasUsed)} of ${tx.gas})`)
                .catch((e: Error) => e.message.split("\n")[0]!);
            }
            throw new Error(`${label}: ${tx.call.functionName} ${hashes[i + j]} failed: ${reason}`);
          }
          events += r.result.logs.length;
        }
      }
      return { events };
    },
  };
}
