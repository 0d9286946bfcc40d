import type { Account, Address, PublicClient, TransactionReceipt, WalletClient } from "viem";

export type ContractWrite = {
  address: Address;
  abi: unknown;
  functionName: string;
  args?: unknown[];
  value?: bigint;
};

/** Sends a contract call from `wallet` and waits for its receipt; a revert throws with the function's name. */
export async function writeAndWait(
  publicClient: PublicClient,
  wallet: WalletClient,
  request: ContractWrite,
): Promise<TransactionReceipt> {
  const hash = await wallet.writeContract({
    ...request,
    account: wallet.account as Account,
    chain: wallet.chain,
  } as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${request.functionName} reverted (tx ${hash})`);
  return receipt;
}
