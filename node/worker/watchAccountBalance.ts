import { type Address, formatEther } from "viem";
import type { Common } from "../../config/common/createCommon.ts";
import { firstLine } from "../../config/errors/firstLine.ts";

export type WatchAccountBalanceParameters = {
  /** Only `getBalance` is used: a PublicClient, or a stand-in in tests. */
  client: { getBalance(args: { address: Address }): Promise<bigint> };
  address: Address;
  /** Re-read period. Default 60 s: the balance moves a few attestations at a time, and a low-balance alert
   * waits minutes before it fires, so one RPC call a minute is enough. */
  intervalMs?: number;
};

export type AccountBalanceWatch = {
  /** The last balance read (wei), undefined before the first successful read. */
  balance(): bigint | undefined;
  /** Reads it now (the first read happens at once, then every intervalMs). */
  refresh(): Promise<void>;
};

/**
 * The worker account's native balance (OPEN, the L2's gas token), for the low-balance alert: exported as
 * `olnode_worker_balance_open` (in OPEN, not wei: a Prometheus value is a float). A failed read keeps the
 * last value (the RPC's own alerts cover an outage) and is logged at debug.
 */
export function watchAccountBalance(
  common: Common,
  parameters: WatchAccountBalanceParameters,
): AccountBalanceWatch {
  const log = common.logger.child({ module: "worker" });
  const gauge = common.metrics.gauge(
    "worker_balance_open",
    "Native balance of the worker's account, in OPEN (pays the gas of attestations and heartbeats)",
  );
  let last: bigint | undefined;
  async function refresh() {
    try {
      last = await parameters.client.getBalance({ address: parameters.address });
      gauge.set(Number(formatEther(last)));
    } catch (error) {
      log.debug({ msg: "Balance not readable", address: parameters.address, error: firstLine(error) });
    }
  }
  void refresh();
  const timer = setInterval(() => void refresh(), parameters.intervalMs ?? 60_000);
  common.shutdown.add("balance watch", () => clearInterval(timer));
  return { balance: () => last, refresh };
}
