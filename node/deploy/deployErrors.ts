import { NonRetryableUserError, RetryableError } from "../../config/errors/BaseError.ts";
import { maskUrl } from "../../config/maskUrl.ts";

/** The RPC does not answer: nothing was sent; run again when it is up. */
export class RpcUnreachableError extends RetryableError {
  override name = "RpcUnreachableError";
  constructor(rpcUrl: string, cause: unknown) {
    super(`The chain's RPC at ${maskUrl(rpcUrl)} does not answer.`, {
      cause,
      hint: "Check --rpc (or chain.l2RpcUrl) and that the node behind it is running, then run the command again.",
    });
  }
}

/** An existing deployment or progress file belongs to another chain than the RPC's. */
export class DeploymentChainMismatchError extends NonRetryableUserError {
  override name = "DeploymentChainMismatchError";
  constructor(file: string, fileChainId: number, rpcChainId: number) {
    super(`${file} is for chain ${fileChainId}, but the RPC is on chain ${rpcChainId}.`, {
      hint: `Point --rpc at chain ${fileChainId} to resume that deployment, or pass another --out to deploy to chain ${rpcChainId}.`,
      meta: { file, fileChainId, rpcChainId },
    });
  }
}

/** The account cannot pay for what it is asked to send (the deployer's remaining steps, a worker's stake). */
export class InsufficientBalanceError extends NonRetryableUserError {
  override name = "InsufficientBalanceError";
  readonly needed: bigint;
  readonly balance: bigint;
  constructor(account: string, needed: bigint, balance: bigint, what: string, role = "deployer") {
    super(
      `The ${role} ${account} holds ${formatOpen(balance)} OPEN but needs about ${formatOpen(needed)} OPEN for ${what}.`,
      {
        hint: `Send at least ${formatOpen(needed - balance)} OPEN to ${account}, then run the command again (nothing was sent).`,
        meta: { account, needed: needed.toString(), balance: balance.toString() },
      },
    );
    this.needed = needed;
    this.balance = balance;
  }
}

/** On-chain code or wiring differs from what the deployment recorded or the build compiled. */
export class DeploymentVerificationError extends NonRetryableUserError {
  override name = "DeploymentVerificationError";
  readonly problems: string[];
  constructor(problems: string[], hint: string) {
    super(`The deployment does not verify on-chain: ${problems.length} problem(s).`, {
      details: problems.join("; "),
      hint,
    });
    this.problems = problems;
  }
}

/** The progress file cannot be resumed as asked (another deployer, other parameters, a reverted step). */
export class DeploymentProgressError extends NonRetryableUserError {
  override name = "DeploymentProgressError";
}

/** wei as OPEN with up to 6 decimals, rounded up so a "needs" figure is never short. */
export function formatOpen(wei: bigint): string {
  const unit = 10n ** 12n;
  const micro = (wei + unit - 1n) / unit;
  const whole = micro / 1_000_000n;
  const frac = (micro % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}
