import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";

/** The OP Stack L1Block predeploy: the L1 origin (number, hash) of the current L2 block. */
export const L1_BLOCK_ADDRESS: Address = "0x4200000000000000000000000000000000000015";

/** L1BlockStub's (and the real L1Block's) storage slots: `number` in the low 64 bits of slot 0, `hash` in slot 2. */
export const L1_BLOCK_SLOTS = { numberAndTimestamp: 0n, hash: 2n } as const;

/**
 * EpochManager's epoch seed, `keccak256(abi.encode(l1Hash, l1Number, epoch))`, from the L1 origin the epoch's
 * first write sees through the L1Block predeploy (see EpochManager.sol: why not an L2 block hash).
 */
export function epochSeed(parameters: { l1Hash: Hex; l1Number: bigint; epoch: bigint }): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint64" }, { type: "uint256" }],
      [parameters.l1Hash, parameters.l1Number, parameters.epoch],
    ),
  );
}
