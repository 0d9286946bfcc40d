import { describe, expect, it } from "vitest";
import { depositFields } from "./depositFields.ts";

// Shapes as returned by anvil --network optimism for a deposit and for an ordinary transaction.
const deposit = {
  hash: "0x7b13d61e0148dacc165395a58282d0c158c3a9e43bf5ce19622578638b6d1c51",
  type: "0x7e",
  from: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  gas: "0x30000",
  input: "0x",
  mint: "0x5",
  nonce: "0x0",
  r: "0x0",
  s: "0x0",
  v: "0x0",
  sourceHash: `0x${"11".repeat(32)}`,
  to: "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
  value: "0x1",
  blockHash: `0x${"22".repeat(32)}`,
  blockNumber: "0x1",
  transactionIndex: "0x0",
};

describe("depositFields", () => {
  it("reads sourceHash, mint and defaults isSystemTx to false when omitted", () => {
    expect(depositFields(deposit)).toEqual({
      hash: deposit.hash,
      from: deposit.from,
      to: deposit.to,
      sourceHash: deposit.sourceHash,
      mint: 5n,
      value: 1n,
      gas: 0x30000n,
      isSystemTx: false,
    });
  });

  it("reads isSystemTx and a missing mint", () => {
    const { mint: _, ...noMint } = deposit;
    expect(depositFields({ ...noMint, isSystemTx: true, type: "0x7E" })).toMatchObject({
      mint: 0n,
      isSystemTx: true,
    });
  });

  it("ignores other transaction types and missing transactions", () => {
    expect(depositFields({ ...deposit, type: "0x2" })).toBeUndefined();
    expect(depositFields(null)).toBeUndefined();
  });
});
