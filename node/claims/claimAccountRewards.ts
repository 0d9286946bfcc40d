import type { Address, Hash, PublicClient, WalletClient } from "viem";
import { claimRewards } from "../../contracts/actions/claimRewards.ts";
import { attributionLedgerAbi } from "../../contracts/generated/index.ts";
import { ClaimRefusedError } from "./claimErrors.ts";

/**
 * Pulls the sender's AttributionLedger balance (developer and contributor shares of inference fees). These are
 * plain balances, credited as each fee is paid, not an epoch points root: nothing to vote, nothing to wait for.
 * Throws ClaimRefusedError("nothingToClaim") on a zero balance instead of sending a transaction for nothing.
 */
export async function claimAccountRewards(
  clients: { publicClient: PublicClient; walletClient: WalletClient },
  p: { attributionLedger: Address; account: Address },
): Promise<{ amount: bigint; txHash: Hash }> {
  const amount = await clients.publicClient.readContract({
    address: p.attributionLedger,
    abi: attributionLedgerAbi,
    functionName: "claimable",
    args: [p.account],
  });
  if (amount === 0n)
    throw new ClaimRefusedError(
      "nothingToClaim",
      `${p.account} has no rewards to claim on the AttributionLedger.`,
      "Rewards accrue to a model's developer and to contributors whose data an inference is attributed to.",
    );
  const { receipt } = await claimRewards(clients, { address: p.attributionLedger });
  return { amount, txHash: receipt.transactionHash };
}
