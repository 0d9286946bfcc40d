import type { Hex } from "viem";
import { chainConfig } from "viem/op-stack";

/** The OP Stack fields of a deposit transaction (type 0x7E) that Ponder's transaction type drops. */
export type DepositFields = {
  hash: Hex;
  from: Hex;
  to: Hex | null;
  sourceHash: Hex;
  mint: bigint;
  value: bigint;
  gas: bigint;
  isSystemTx: boolean;
};

/**
 * Reads the deposit fields from an `eth_getTransactionByHash` result with viem's OP Stack formatter. Returns
 * undefined for any other transaction type. op-geth omits `isSystemTx` when false (and anvil always does),
 * and `mint` when zero, so both get their defaults here rather than being treated as malformed.
 */
export function depositFields(raw: Record<string, unknown> | null | undefined): DepositFields | undefined {
  if (!raw || typeof raw.type !== "string" || raw.type.toLowerCase() !== "0x7e") return undefined;
  const tx = chainConfig.formatters.transaction.format({ ...raw, type: "0x7e" } as never) as {
    hash: Hex;
    from: Hex;
    to: Hex | null;
    sourceHash?: Hex;
    mint?: bigint;
    value: bigint;
    gas: bigint;
    isSystemTx?: boolean;
  };
  if (!tx.sourceHash) return undefined;
  return {
    hash: tx.hash,
    from: tx.from,
    to: tx.to ?? null,
    sourceHash: tx.sourceHash,
    mint: tx.mint ?? 0n,
    value: tx.value,
    gas: tx.gas,
    isSystemTx: tx.isSystemTx ?? false,
  };
}
