import { createPublicClient, createWalletClient, formatEther, http, type PublicClient } from "viem";
import { loadConfig } from "../../../config/loadConfig.ts";
import { defineL2Chain } from "../../../contracts/chain/defineL2Chain.ts";
import { claimAccountRewards } from "../../claims/claimAccountRewards.ts";
import { claimEpochPoints } from "../../claims/claimEpochPoints.ts";
import { requireContracts } from "../../daemon/requireContracts.ts";
import { type Command, type CommandContext, configOption, EXIT } from "../command.ts";
import { loadOperatorAccount } from "./loadOperatorAccount.ts";

/** The operator's account and clients, from the config and its keystore (the key stays in memory). */
async function operatorClients(context: CommandContext, why: string) {
  const config = loadConfig({ file: context.values.config as string | undefined, env: context.env });
  const addresses = requireContracts(config, why);
  const chain = defineL2Chain({ id: config.chain.chainId, rpcUrl: config.chain.l2RpcUrl });
  const account = await loadOperatorAccount(config, context.values.keystore as string | undefined);
  const publicClient = createPublicClient({ chain, transport: http(config.chain.l2RpcUrl) }) as PublicClient;
  const walletClient = createWalletClient({ chain, transport: http(config.chain.l2RpcUrl), account });
  return { config, addresses, account, clients: { publicClient, walletClient } };
}

export const claimPointsCommand: Command = {
  name: ["claim", "points"],
  summary: "Claim the operator's epoch points in OPEN, against each epoch's quorum-voted points root",
  usage: "olnode claim points [--epoch <n>] [--keystore <file>]",
  help: [
    "For every ended epoch the operator's account earned points in (or only --epoch), rebuilds the epoch's points",
    "tree from the chain's PointsChanged events, checks its root is the one the workers' quorum voted",
    "(EpochManager.pointsRootOf) and sends PointsDistributor.claim with the proof. Prints one JSON line per epoch.",
    "Refused with a clear error: nothing to claim, epoch not final (not ended, or no root at quorum yet),",
    "already claimed. Without --epoch, epochs that cannot be paid are listed as skipped.",
    "",
    "Options:",
    "  -c, --config <file>    JSON config file (chain, contracts, contracts.startBlock)",
    "      --epoch <n>        claim this epoch only",
    "      --keystore <file>  the operator keystore (default worker.keystoreFile)",
  ].join("\n"),
  options: { ...configOption, epoch: { type: "string" }, keystore: { type: "string" } },
  async run(context) {
    const epochArg = context.values.epoch as string | undefined;
    if (epochArg !== undefined && !/^\d{1,20}$/.test(epochArg)) {
      context.stderr.write("olnode claim points: --epoch must be an epoch number.\n");
      return EXIT.usage;
    }
    const { config, addresses, account, clients } = await operatorClients(
      context,
      "for `olnode claim points`",
    );
    const results = await claimEpochPoints(clients, {
      epochManager: addresses.epochManager,
      pointsDistributor: addresses.pointsDistributor,
      account: account.address,
      fromBlock: BigInt(config.contracts.startBlock ?? 0),
      ...(epochArg !== undefined && { epoch: BigInt(epochArg) }),
    });
    for (const r of results)
      context.stdout.write(
        `${JSON.stringify(
          r.status === "paid"
            ? {
                epoch: r.epoch.toString(),
                status: r.status,
                points: r.points.toString(),
                amountOpen: formatEther(r.amount),
                transaction: r.txHash,
              }
            : { epoch: r.epoch.toString(), status: r.status, reason: r.reason, message: r.message },
        )}\n`,
      );
    return EXIT.ok;
  },
};

export const claimRewardsCommand: Command = {
  name: ["claim", "rewards"],
  summary:
    "Claim the operator's inference-fee rewards (developer and contributor shares) from the AttributionLedger",
  usage: "olnode claim rewards [--keystore <file>]",
  help: [
    "Sends AttributionLedger.claim from the operator's account, which pays its whole accrued balance. Refused",
    "with a clear error when the balance is zero. Prints the amount and the transaction as one JSON line.",
    "",
    "Options:",
    "  -c, --config <file>    JSON config file (chain, contracts)",
    "      --keystore <file>  the operator keystore (default worker.keystoreFile)",
  ].join("\n"),
  options: { ...configOption, keystore: { type: "string" } },
  async run(context) {
    const { addresses, account, clients } = await operatorClients(context, "for `olnode claim rewards`");
    const { amount, txHash } = await claimAccountRewards(clients, {
      attributionLedger: addresses.attributionLedger,
      account: account.address,
    });
    context.stdout.write(
      `${JSON.stringify({ account: account.address, amountOpen: formatEther(amount), transaction: txHash })}\n`,
    );
    return EXIT.ok;
  },
};
