import type { BackoffOptions } from "./backoffDelay.ts";

/** How the transaction submitter waits, bumps and retries. Every field has a default below. */
export type TxSubmitterOptions = {
  /** Blocks a receipt must be deep (1 = its own block) before the intent is confirmed. */
  confirmations: number;
  /** Blocks without a receipt before the transaction is replaced with higher fees. */
  bumpAfterBlocks: number;
  /** Ceiling on maxFeePerGas, bumps included (config `worker.maxFeePerGasGwei`). */
  maxFeePerGas: bigint;
  /** Between receipt lookups while a transaction waits to be mined or buried. */
  pollingIntervalMs: number;
  /** Added to eth_estimateGas, in percent. */
  gasHeadroomPercent: number;
  /** Retry delays after an RPC or database failure (exponential, jittered). */
  backoff: BackoffOptions;
};

export const defaultTxSubmitterOptions: TxSubmitterOptions = {
  // Three blocks (6 s on OpenLedger) outlast the shallow reorgs a sequencer makes; deeper ones are caught
  // anyway (a confirmed intent whose receipt is gone is re-sent).
  confirmations: 3,
  // Three blocks without a receipt means the fee lost the auction, not that the mempool is slow.
  bumpAfterBlocks: 3,
  // 100 gwei: far above an OP Stack L2's normal fees, so a bump war never spends an operator's balance.
  maxFeePerGas: 100_000_000_000n,
  // Half an L2 block: a receipt is seen in the block after it lands without polling the RPC hard.
  pollingIntervalMs: 1_000,
  // State may change between estimate and inclusion (an attestation that becomes the deciding vote costs more).
  gasHeadroomPercent: 20,
  // From a quarter second (a blip) to 15 s (an outage) between tries: recovers fast, never hammers.
  backoff: { initialMs: 250, maxMs: 15_000 },
};
