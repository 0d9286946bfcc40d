import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { loadConfig } from "../../../config/loadConfig.ts";
import { readTestHooks } from "../../../config/testHooks.ts";
import { defineL2Chain } from "../../../contracts/chain/defineL2Chain.ts";
import { RpcUnreachableError } from "../../deploy/deployErrors.ts";
import { DeployParamsError, parseDeployParams } from "../../deploy/deployParamsFile.ts";
import { runDeployment } from "../../deploy/runDeployment.ts";
import { type Command, configOption, EXIT } from "../command.ts";
import { loadOperatorAccount } from "./loadOperatorAccount.ts";

/** The progress file kept beside a deployment file. */
export function progressFileFor(deploymentFile: string): string {
  return deploymentFile.replace(/(\.json)?$/, ".progress.json");
}

export const deployCommand: Command = {
  name: ["deploy"],
  summary: "Deploy the protocol contracts to a chain (resumable), verify them, write the deployment file",
  usage:
    "olnode deploy [--rpc <url>] [--out <file>] [--params <file>] [--keystore <file>] [--password-file <file>] [--json]",
  help: [
    "Deploys DatanetRegistry, ModelRegistry, AttributionLedger, EpochManager and PointsDistributor from the",
    "keystore's account (which becomes their admin), wires them, verifies the code and the wiring on-chain, and",
    "writes the deployment file `olnode start` and the indexer read (contracts.deploymentFile).",
    "",
    "Every step is recorded in <out>.progress.json before it is sent and once it is mined: a run killed at any",
    "point resumes where it stopped without sending anything twice, and a run after a finished one only",
    "verifies and says so. The chain id is read from the RPC; an existing file for another chain is refused.",
    "",
    "Options:",
    "  -c, --config <file>         JSON config file (chain.l2RpcUrl, contracts.deploymentFile, worker.keystoreFile)",
    "      --rpc <url>             the chain's JSON-RPC (default chain.l2RpcUrl)",
    "      --out <file>            the deployment file (default contracts.deploymentFile, else <dataDir>/deployment.json)",
    "      --params <file>         JSON deploy parameters (epochLength, minStake, quorum, fee split, treasury,",
    '                              distributorFunding …; wei as strings or "0.1 OPEN"); unset: the',
    "                              devnet defaults on a new deployment, the recorded ones on a resumed one",
    "      --keystore <file>       the deployer's keystore (default worker.keystoreFile); never a raw key",
    "      --password-file <file>  its password (default worker.passwordFile, else prompted)",
    "      --json                  print the result as JSON",
  ].join("\n"),
  options: {
    ...configOption,
    rpc: { type: "string" },
    out: { type: "string" },
    params: { type: "string" },
    keystore: { type: "string" },
    "password-file": { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values, env, stdout, stderr }) {
    const config = loadConfig({
      file: values.config as string | undefined,
      env,
      readDeploymentFile: false,
    });
    let params: ReturnType<typeof parseDeployParams> | undefined;
    const paramsFile = values.params as string | undefined;
    if (paramsFile) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(paramsFile, "utf8"));
      } catch (error) {
        throw new DeployParamsError(`Cannot read --params ${paramsFile}: ${(error as Error).message}.`);
      }
      params = parseDeployParams(json, paramsFile);
    }
    const rpcUrl = (values.rpc as string | undefined) ?? config.chain.l2RpcUrl;
    if (!/^(https?|wss?):\/\//.test(rpcUrl)) {
      stderr.write(`olnode deploy: --rpc must be an http(s) or ws(s) URL, not "${rpcUrl}".\n`);
      return EXIT.usage;
    }
    const out = resolve(
      (values.out as string | undefined) ??
        config.contracts.deploymentFile ??
        join(config.dataDir, "deployment.json"),
    );
    const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 1 }) });
    let chainId: number;
    try {
      chainId = await probe.getChainId();
    } catch (error) {
      throw new RpcUnreachableError(rpcUrl, error);
    }
    const account = await loadOperatorAccount(
      config,
      values.keystore as string | undefined,
      values["password-file"] as string | undefined,
    );
    const chain = defineL2Chain({ id: chainId, rpcUrl });
    const transport = http(rpcUrl, { retryCount: 3 });
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 500 }) as PublicClient;
    const walletClient = createWalletClient({ chain, transport, account });
    mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
    const json = values.json === true;
    const result = await runDeployment({
      publicClient,
      walletClient,
      chainId,
      deploymentFile: out,
      progressFile: progressFileFor(out),
      ...(params ? { params } : {}),
      log: (line) => {
        if (!json) stdout.write(`${line}\n`);
      },
      crashAt: readTestHooks(env as NodeJS.ProcessEnv).crashAt,
    });
    for (const warning of result.warnings) stderr.write(`olnode deploy: warning: ${warning}\n`);
    if (json) {
      stdout.write(
        `${JSON.stringify({ status: result.status, chainId, deploymentFile: out, startBlock: result.startBlock, addresses: result.addresses, sent: result.sent }, null, 2)}\n`,
      );
    } else if (result.status === "unchanged") {
      stdout.write(
        `Already deployed on chain ${chainId} and verified on-chain: nothing to do.\nDeployment file: ${out}\n`,
      );
    } else {
      stdout.write(
        [
          `Deployed and verified on chain ${chainId} (start block ${result.startBlock}, ${result.sent} transaction(s) this run).`,
          ...Object.entries(result.addresses).map(([name, address]) => `  ${name.padEnd(18)} ${address}`),
          `Deployment file: ${out}`,
          `Point nodes and the indexer at it: contracts.deploymentFile (OLNODE__CONTRACTS__DEPLOYMENT_FILE=${out}).`,
          "",
        ].join("\n"),
      );
    }
    return EXIT.ok;
  },
};
