import { type Hex, keccak256, numberToHex, type PublicClient, toHex } from "viem";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import { L1_BLOCK_ADDRESS, L1_BLOCK_SLOTS } from "../epochSeed.ts";
import { l1BlockStubBytecode } from "../generated/l1BlockStub.ts";

export class L1BlockMissingError extends NonRetryableUserError {
  override name = "L1BlockMissingError";
}

/** The L1 origin a fresh stand-in starts at: anything but zero, fixed so that devnets are reproducible. */
export const STUB_L1_ORIGIN = { number: 1n, hash: keccak256(toHex("olnode devnet L1 block 1")) } as const;

/**
 * Makes sure the OP Stack L1Block predeploy answers at its address: EpochManager seeds epochs from it. On an
 * OP Stack chain it is there; on a dev chain without predeploys (anvil) a stand-in with the same storage
 * layout (contracts/test/L1BlockStub.sol) is installed through `anvil_setCode`, at `STUB_L1_ORIGIN`. Returns
 * whether it installed one.
 */
export async function ensureL1Block(publicClient: PublicClient): Promise<boolean> {
  const code = await publicClient.getCode({ address: L1_BLOCK_ADDRESS });
  if (code && code !== "0x") return false;
  // eth_call of creation code returns the runtime code: no transaction, no nonce used.
  const { data: runtime } = await publicClient.call({ data: l1BlockStubBytecode });
  try {
    await publicClient.request({
      method: "anvil_setCode" as never,
      params: [L1_BLOCK_ADDRESS, runtime] as never,
    });
    const set = (slot: bigint, value: Hex) =>
      publicClient.request({
        method: "anvil_setStorageAt" as never,
        params: [L1_BLOCK_ADDRESS, numberToHex(slot, { size: 32 }), value] as never,
      });
    await set(L1_BLOCK_SLOTS.numberAndTimestamp, numberToHex(STUB_L1_ORIGIN.number, { size: 32 }));
    await set(L1_BLOCK_SLOTS.hash, STUB_L1_ORIGIN.hash);
  } catch (error) {
    throw new L1BlockMissingError(
      `No L1Block predeploy at ${L1_BLOCK_ADDRESS}, and none could be installed.`,
      {
        details: (error as Error).message,
        hint: "EpochManager seeds epochs from the OP Stack L1Block predeploy: deploy to an OP Stack chain (or anvil --network optimism).",
      },
    );
  }
  return true;
}
