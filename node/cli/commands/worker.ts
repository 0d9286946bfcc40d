import { existsSync } from "node:fs";
import {
  type Address,
  createWalletClient,
  formatEther,
  getAddress,
  type Hash,
  http,
  isAddress,
  type LocalAccount,
  type PublicClient,
  parseEther,
  type WalletClient,
} from "viem";
import { createCommon } from "../../../config/common/createCommon.ts";
import { NonRetryableUserError } from "../../../config/errors/BaseError.ts";
import { type Config, loadConfig, requireConfig } from "../../../config/loadConfig.ts";
import { ProtocolCallRevertedError } from "../../../contracts/actions/protocolCall.ts";
import { readWorkerStatus, type WorkerStatus } from "../../../contracts/actions/readWorkerStatus.ts";
import { registerWorker } from "../../../contracts/actions/registerWorker.ts";
import { requestExit } from "../../../contracts/actions/requestExit.ts";
import { updatePeerId } from "../../../contracts/actions/updatePeerId.ts";
import { withdrawStake } from "../../../contracts/actions/withdrawStake.ts";
import { InsufficientBalanceError } from "../../deploy/deployErrors.ts";
import { keystoreAddress, readKeystoreFile } from "../../keys/keystore.ts";
import { operatorKeystorePath, p2pKeyPath } from "../../keys/operatorKeyPaths.ts";
import { type Command, type CommandContext, configOption, EXIT } from "../command.ts";
import { connectChain } from "./connectChain.ts";
import { loadOperatorAccount } from "./loadOperatorAccount.ts";

/** Gas allowed for one worker transaction in the balance check (register with a 128-byte peer id uses less). */
const WORKER_TX_GAS = 300_000n;

const keyOptions = {
  ...configOption,
  keystore: { type: "string" },
  "password-file": { type: "string" },
  json: { type: "boolean" },
} as const;

const commonHelp = [
  "  -c, --config <file>         JSON config file (chain.l2RpcUrl, contracts.epochManager or contracts.deploymentFile)",
  "      --keystore <file>       the operator keystore (default worker.keystoreFile, else <dataDir>/keys/operator.json)",
  "      --password-file <file>  its password (default worker.passwordFile, else prompted)",
  "      --json                  print the result as JSON",
];

export class WorkerLifecycleError extends NonRetryableUserError {
  override name = "WorkerLifecycleError";
}

/** What every worker subcommand starts from: the config, a checked reader on the L2, EpochManager's address. */
type Session = {
  config: Config;
  publicClient: PublicClient;
  epochManager: Address;
};

/** A session with the operator's keystore unlocked: what the subcommands that send a transaction share. */
type OperatorSession = Session & {
  account: LocalAccount;
  /** The clients the contract actions take. */
  clients: { publicClient: PublicClient; walletClient: WalletClient };
  /** The operator's worker as EpochManager's views show it now. */
  status(): Promise<WorkerStatus>;
  /** The same with when the stake unlocks, as the subcommands print it. */
  report(): Promise<WorkerStatusReport>;
};

async function session(ctx: CommandContext): Promise<Session> {
  const config = loadConfig({ file: ctx.values.config as string | undefined, env: ctx.env });
  const epochManager = requireConfig(
    config,
    "contracts.epochManager",
    config.contracts.epochManager,
    "for `olnode worker` (or set contracts.deploymentFile to the file `olnode deploy` wrote)",
  );
  const { publicClient } = await connectChain(config);
  return { config, publicClient, epochManager };
}

/** Unlocks the operator keystore (--keystore, --password-file) on a session. */
async function unlock(ctx: CommandContext, s: Session): Promise<OperatorSession> {
  const account = await loadOperatorAccount(
    s.config,
    ctx.values.keystore as string | undefined,
    ctx.values["password-file"] as string | undefined,
  );
  const walletClient = createWalletClient({
    chain: s.publicClient.chain,
    transport: http(s.config.chain.l2RpcUrl, { retryCount: 1 }),
    account,
  });
  return {
    ...s,
    account,
    clients: { publicClient: s.publicClient, walletClient },
    status: () => readWorkerStatus(s.publicClient, { address: s.epochManager, worker: account.address }),
    report: () => report(s, account.address),
  };
}

/** The session and then the operator's keystore, for the subcommands that need nothing in between. */
const operatorSession = async (ctx: CommandContext) => unlock(ctx, await session(ctx));

/** Seconds per block over the last 100 blocks (at least 1 block back), for "ready in about …" estimates. */
async function secondsPerBlock(publicClient: PublicClient, latest: bigint): Promise<number | undefined> {
  const back = latest >= 100n ? 100n : latest;
  if (back === 0n) return undefined;
  const [a, b] = await Promise.all([
    publicClient.getBlock({ blockNumber: latest - back }),
    publicClient.getBlock({ blockNumber: latest }),
  ]);
  return Number(b.timestamp - a.timestamp) / Number(back);
}

export type WorkerStatusReport = WorkerStatus & {
  /** Blocks until the stake unlocks (0 when it has), undefined until the worker exits. */
  blocksUntilWithdrawable: bigint | undefined;
  /** Rough seconds until then, from the recent block time. */
  secondsUntilWithdrawable: number | undefined;
};

async function report(s: Session, worker: Address): Promise<WorkerStatusReport> {
  const status = await readWorkerStatus(s.publicClient, { address: s.epochManager, worker });
  let blocks: bigint | undefined;
  let seconds: number | undefined;
  if (status.withdrawableFromBlock !== undefined) {
    blocks =
      status.withdrawableFromBlock > status.latestBlock
        ? status.withdrawableFromBlock - status.latestBlock
        : 0n;
    const perBlock = await secondsPerBlock(s.publicClient, status.latestBlock);
    seconds = perBlock === undefined ? undefined : Math.round(Number(blocks) * perBlock);
  }
  return { ...status, blocksUntilWithdrawable: blocks, secondsUntilWithdrawable: seconds };
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** The status in a few lines for a human. */
export function formatWorkerStatus(r: WorkerStatusReport): string {
  const open = (wei: bigint) => `${formatEther(wei)} OPEN`;
  const eta =
    r.secondsUntilWithdrawable === undefined ? "" : ` ≈ ${Math.max(0, r.secondsUntilWithdrawable)} s`;
  const stateLine = {
    unregistered: "unregistered (no stake): `olnode worker register` stakes and registers",
    pending: `registered, active from epoch ${r.activeFromEpoch}`,
    active: "active (validating and earning points)",
    exiting: `exiting: active until epoch ${r.activeUntilEpoch}; stake withdrawable from block ${r.withdrawableFromBlock} (in ${r.blocksUntilWithdrawable} blocks${eta})`,
    withdrawable: "exited: `olnode worker withdraw` pays the stake back now",
  }[r.state];
  const lines = [
    `worker         ${r.worker}`,
    `state          ${stateLine}`,
    `stake          ${open(r.stake)} (minimum ${open(r.minStake)})`,
    `peer id        ${r.peerId || "-"}`,
    `epoch          ${r.currentEpoch} (block ${r.latestBlock}); ${r.activeWorkers} active worker(s)`,
  ];
  if (r.activeUntilEpoch !== undefined)
    lines.push(
      "exit queue     none: every exit unlocks at the start of the epoch after the one it was requested in",
    );
  return `${lines.join("\n")}\n`;
}

function print(ctx: CommandContext, r: WorkerStatusReport, extra: Record<string, unknown> = {}, note = "") {
  if (ctx.values.json) ctx.stdout.write(`${toJson({ ...extra, ...r })}\n`);
  else ctx.stdout.write(`${note ? `${note}\n` : ""}${formatWorkerStatus(r)}`);
}

/** After a transaction: the status it left, with the action and the transaction's hash. */
async function printSent(
  ctx: CommandContext,
  op: OperatorSession,
  action: string,
  receipt: { transactionHash: Hash },
  done: string,
  extra: Record<string, unknown> = {},
) {
  const tx = receipt.transactionHash;
  print(ctx, await op.report(), { action, tx, ...extra }, `${done} in tx ${tx}.`);
}

/** The peer id a register uses: --peer-id, else the node's libp2p identity (created if there is none yet). */
async function localPeerId(config: Config, override: string | undefined): Promise<string> {
  if (override !== undefined) {
    if (override.length === 0 || Buffer.byteLength(override) > 128)
      throw new WorkerLifecycleError(
        "--peer-id must be 1 to 128 bytes (a libp2p peer id such as 12D3KooW…).",
      );
    return override;
  }
  const [{ peerIdFromPrivateKey }, { loadPeerKey }] = await Promise.all([
    import("@libp2p/peer-id"),
    import("../../../p2p/host/loadPeerKey.ts"),
  ]);
  const common = createCommon({ level: "silent", format: "json", defaultMetrics: false });
  try {
    return peerIdFromPrivateKey(await loadPeerKey(common, p2pKeyPath(config))).toString();
  } finally {
    await common.shutdown.kill("peer id read");
  }
}

function parseStake(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,30}(\.\d{1,18})?$/.test(text))
    throw new WorkerLifecycleError(`--stake must be an amount of OPEN such as 0.1 (got "${text}").`);
  return parseEther(text);
}

export const workerRegisterCommand: Command = {
  name: ["worker", "register"],
  summary: "Stake and register this node's worker with its libp2p peer id (or update the peer id)",
  usage:
    "olnode worker register [--stake <OPEN>] [--peer-id <id>] [--keystore <file>] [--password-file <file>] [--json]",
  help: [
    "Sends EpochManager.register from the operator keystore's account with the stake as value; the worker is",
    "active from the next epoch. Already registered with the same peer id: does nothing and says so; with",
    "another: sends updatePeerId. The peer id is the node's libp2p identity (p2p.keyFile, created if missing).",
    "",
    "Options:",
    "      --stake <OPEN>          the stake (default worker.stake, as `olnode start` registers; at least minStake)",
    "      --peer-id <id>          register this peer id instead of the node's identity",
    ...commonHelp,
  ].join("\n"),
  options: { ...keyOptions, stake: { type: "string" }, "peer-id": { type: "string" } },
  async run(ctx) {
    const stakeArg = parseStake(ctx.values.stake as string | undefined);
    const s = await session(ctx);
    const peerId = await localPeerId(s.config, ctx.values["peer-id"] as string | undefined);
    const op = await unlock(ctx, s);
    const { account } = op;
    const before = await op.status();
    if (before.state === "exiting" || before.state === "withdrawable") {
      throw new WorkerLifecycleError(`${account.address} has asked to exit; it cannot register again yet.`, {
        hint: "Run `olnode worker withdraw` once the stake unlocks (`olnode worker status` says when), then register again.",
      });
    }
    if (before.registered) {
      if (before.peerId === peerId) {
        print(
          ctx,
          await op.report(),
          { action: "none" },
          "Already registered with this peer id: nothing to do.",
        );
        return EXIT.ok;
      }
      const { receipt } = await updatePeerId(op.clients, { address: op.epochManager, peerId });
      await printSent(ctx, op, "updatePeerId", receipt, "Peer id updated");
      return EXIT.ok;
    }
    // The same stake `olnode start` would register with.
    const stake = stakeArg ?? parseEther(op.config.worker.stake);
    if (stake < before.minStake) {
      throw new WorkerLifecycleError(
        `--stake ${formatEther(stake)} OPEN is below the minimum stake of ${formatEther(before.minStake)} OPEN.`,
      );
    }
    const [balance, fees] = await Promise.all([
      op.publicClient.getBalance({ address: account.address }),
      op.publicClient.estimateFeesPerGas(),
    ]);
    const needed = stake + WORKER_TX_GAS * (fees.maxFeePerGas ?? fees.gasPrice ?? 0n);
    if (balance < needed) {
      throw new InsufficientBalanceError(
        account.address,
        needed,
        balance,
        "the stake and the gas of register",
        "operator",
      );
    }
    const { receipt } = await registerWorker(op.clients, { address: op.epochManager, peerId, stake });
    await printSent(ctx, op, "register", receipt, "Registered");
    return EXIT.ok;
  },
};

export const workerStatusCommand: Command = {
  name: ["worker", "status"],
  summary: "Show the worker's stake, peer id, registration state and when its stake unlocks",
  usage: "olnode worker status [--address <0x…>] [--keystore <file>] [--json]",
  help: [
    "Reads EpochManager's views; needs no password (the address comes from the keystore's public part).",
    "States: unregistered, pending (active from the next epoch), active, exiting (stake locked until the",
    "block shown), withdrawable.",
    "",
    "Options:",
    "      --address <0x…>         any worker's address instead of the keystore's",
    ...commonHelp.filter((l) => !l.includes("--password-file")),
  ].join("\n"),
  options: {
    ...configOption,
    keystore: { type: "string" },
    address: { type: "string" },
    json: { type: "boolean" },
  },
  async run(ctx) {
    const given = ctx.values.address as string | undefined;
    if (given !== undefined && !isAddress(given, { strict: false })) {
      ctx.stderr.write(
        `olnode worker status: --address must be a 0x-prefixed 20-byte address, not "${given}".\n`,
      );
      return EXIT.usage;
    }
    const s = await session(ctx);
    let worker = given === undefined ? undefined : getAddress(given);
    if (!worker) {
      const path = (ctx.values.keystore as string | undefined) ?? operatorKeystorePath(s.config);
      if (!existsSync(path)) {
        throw new WorkerLifecycleError(`No operator keystore at ${path}.`, {
          hint: "Pass --address <0x…>, --keystore <file>, or create a key with `olnode keys new`.",
        });
      }
      worker = getAddress(keystoreAddress(readKeystoreFile(path)));
    }
    print(ctx, await report(s, worker));
    return EXIT.ok;
  },
};

export const workerExitCommand: Command = {
  name: ["worker", "exit"],
  summary: "Ask to exit: the worker stays active to the end of this epoch; the stake unlocks at the next",
  usage: "olnode worker exit [--keystore <file>] [--password-file <file>] [--json]",
  help: [
    "Sends EpochManager.requestExit. Already exiting: does nothing and says so. Prints when the stake unlocks.",
    "",
    "Options:",
    ...commonHelp,
  ].join("\n"),
  options: keyOptions,
  async run(ctx) {
    const op = await operatorSession(ctx);
    const { account } = op;
    const before = await op.status();
    if (!before.registered) {
      throw new WorkerLifecycleError(
        `${account.address} is not a registered worker: there is nothing to exit.`,
        {
          hint: "Check the keystore (`olnode keys show`) and `olnode worker status`.",
        },
      );
    }
    if (before.state === "exiting" || before.state === "withdrawable") {
      print(ctx, await op.report(), { action: "none" }, "Exit already requested: nothing to do.");
      return EXIT.ok;
    }
    const { receipt } = await requestExit(op.clients, { address: op.epochManager });
    await printSent(ctx, op, "requestExit", receipt, "Exit requested");
    return EXIT.ok;
  },
};

export const workerWithdrawCommand: Command = {
  name: ["worker", "withdraw"],
  summary: "Withdraw an exited worker's stake",
  usage: "olnode worker withdraw [--keystore <file>] [--password-file <file>] [--json]",
  help: [
    "Sends EpochManager.withdrawStake once the stake has unlocked (the epoch after the exit request). Before",
    "that it sends nothing and says from which block it can; with no stake left it says so and exits 0.",
    "",
    "Options:",
    ...commonHelp,
  ].join("\n"),
  options: keyOptions,
  async run(ctx) {
    const op = await operatorSession(ctx);
    const { account } = op;
    const before = await op.report();
    if (before.state === "unregistered") {
      print(ctx, before, { action: "none" }, "No stake to withdraw: nothing to do.");
      return EXIT.ok;
    }
    if (before.state !== "withdrawable") {
      throw new WorkerLifecycleError(
        before.state === "exiting"
          ? `The stake of ${account.address} is locked until block ${before.withdrawableFromBlock} (epoch ${before.activeUntilEpoch}), ${before.blocksUntilWithdrawable} block(s) from now.`
          : `${account.address} has not asked to exit: its stake is locked while it is a worker.`,
        {
          hint:
            before.state === "exiting"
              ? "Run `olnode worker withdraw` again after that block."
              : "Run `olnode worker exit` first; the stake unlocks at the start of the next epoch.",
        },
      );
    }
    try {
      const { receipt } = await withdrawStake(op.clients, { address: op.epochManager });
      await printSent(ctx, op, "withdrawStake", receipt, `Withdrew ${formatEther(before.stake)} OPEN`, {
        withdrawn: before.stake,
      });
    } catch (error) {
      if (error instanceof ProtocolCallRevertedError && error.errorName === "StakeLocked") {
        throw new WorkerLifecycleError(
          "The stake is still locked (the unlock block has not been mined yet).",
          {
            cause: error,
            hint: "Run `olnode worker withdraw` again in a block or two.",
          },
        );
      }
      throw error;
    }
    return EXIT.ok;
  },
};
