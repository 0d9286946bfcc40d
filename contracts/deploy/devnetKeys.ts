import { bytesToHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/**
 * anvil's development accounts, derived from its published test mnemonic (m/44'/60'/0'/0/i, the accounts
 * anvil funds at start), by devnet role. They hold devnet OPEN only: never use them anywhere else. Deriving
 * them keeps key material out of the source. Workers must not be contributors (the contracts refuse an
 * interested party's attestation), so the roles use distinct accounts.
 */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

const derive = (i: number): Hex =>
  bytesToHex(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).getHdKey().privateKey!);

/** The ten accounts anvil funds by default (what the test harness's chains have). */
export const ANVIL_KEYS: readonly Hex[] = Array.from({ length: 10 }, (_, i) => derive(i));

/**
 * Accounts the devnet asks anvil to fund (`--accounts`): the default ten plus room for more workers than the
 * four that fit among them beside the other roles.
 */
export const DEVNET_FUNDED_ACCOUNTS = 14;

const key = (i: number): Hex => ANVIL_KEYS[i]!;

export const DEVNET_KEYS = {
  deployer: key(0),
  // The first four keep the accounts earlier devnets used; further workers take accounts 10.. (funded by the
  // devnet's anvil only).
  workers: [key(1), key(2), key(3), key(9), derive(10), derive(11), derive(12), derive(13)],
  owner: key(4),
  contributors: [key(5), key(6), key(7)],
  payer: key(8),
} as const;
