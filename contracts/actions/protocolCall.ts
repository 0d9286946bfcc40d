import {
  type Abi,
  type Address,
  decodeErrorResult,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  BaseError as ViemBaseError,
  type WalletClient,
} from "viem";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";
import {
  attributionLedgerAbi,
  datanetRegistryAbi,
  epochManagerAbi,
  modelRegistryAbi,
  pointsDistributorAbi,
} from "../generated/index.ts";

/**
 * One protocol transaction, encoded: what every typed action's `…Call()` returns. The same object goes to
 * `sendProtocolCall` (send and wait), to the worker's durable transaction submitter, or into a raw signed
 * transaction — so the arguments are typed and encoded in one place whichever way it is sent.
 */
export type ProtocolCall = {
  /** The contract function, for errors and logs. */
  functionName: string;
  to: Address;
  data: Hex;
  value?: bigint;
};

/** The clients an action sends with: a wallet with its account (and chain) set, and a reader for receipts. */
export type ProtocolClients = { publicClient: PublicClient; walletClient: WalletClient };

/** Every custom error the protocol's contracts can revert with, to name a revert whichever contract threw. */
export const protocolErrorAbi: Abi = [
  ...datanetRegistryAbi,
  ...modelRegistryAbi,
  ...attributionLedgerAbi,
  ...epochManagerAbi,
  ...pointsDistributorAbi,
].filter((item) => item.type === "error");

export class ProtocolCallRevertedError extends NonRetryableUserError {
  override name = "ProtocolCallRevertedError";
  readonly errorName: string;
  constructor(functionName: string, errorName: string, parameters: { cause?: unknown; hash?: Hex } = {}) {
    super(`${functionName} reverted with ${errorName}${parameters.hash ? ` (tx ${parameters.hash})` : ""}.`, {
      cause: parameters.cause,
      hint: "The contract refused the call: check its preconditions (contracts/README.md, 'Rules').",
      meta: { functionName, errorName },
    });
    this.errorName = errorName;
  }
}

/** The revert data (selector and arguments) inside a failed call's error chain, if the node returned any. */
export function revertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  for (let i = 0; i < 16 && current instanceof Error; i++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) return data as Hex;
    if (data && typeof data === "object" && typeof (data as { data?: unknown }).data === "string")
      return (data as { data: Hex }).data;
    current = current.cause;
  }
  return undefined;
}

/**
 * The protocol error a failed call reverted with (`WrongEpoch`, `AlreadyAttested`, …), its 4-byte selector
 * when no protocol contract declares it, or undefined when the failure was not a revert (transport, nonce).
 */
export function protocolRevertName(error: unknown): string | undefined {
  if (!(error instanceof ViemBaseError)) return undefined;
  const data = revertData(error);
  if (data === undefined) return /execution reverted/i.test(error.message) ? "Reverted" : undefined;
  try {
    return decodeErrorResult({ abi: protocolErrorAbi, data }).errorName;
  } catch {
    return data.slice(0, 10);
  }
}

/**
 * Sends `call` from the wallet's account and waits for its receipt. A call the contract refuses (in gas
 * estimation or on-chain) throws `ProtocolCallRevertedError` naming the error; transport failures are
 * viem's errors unchanged.
 */
export async function sendProtocolCall(
  { publicClient, walletClient }: ProtocolClients,
  call: ProtocolCall,
): Promise<TransactionReceipt> {
  const account = walletClient.account;
  if (!account) {
    throw new NonRetryableUserError(`${call.functionName}: the wallet client has no account.`, {
      hint: "Create the wallet client with `account` set (a private key or keystore account).",
    });
  }
  let hash: Hex;
  try {
    hash = await walletClient.sendTransaction({
      account,
      chain: walletClient.chain ?? null,
      to: call.to,
      data: call.data,
      ...(call.value === undefined ? {} : { value: call.value }),
    });
  } catch (error) {
    const errorName = protocolRevertName(error);
    if (errorName !== undefined)
      throw new ProtocolCallRevertedError(call.functionName, errorName, { cause: error });
    throw error;
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw new ProtocolCallRevertedError(call.functionName, "Reverted", { hash });
  return receipt;
}

/** The event a successful call must have emitted (one of `parseEventLogs`' results). */
export function requireEvent<event>(events: readonly event[], eventName: string): event {
  const event = events[0];
  if (event === undefined) {
    throw new NonRetryableUserError(`The transaction succeeded but emitted no ${eventName}.`, {
      hint: "The contract address is probably not the protocol contract expected: check the contracts config.",
    });
  }
  return event;
}
