import type { Command } from "./command.ts";
import { attributeCommand } from "./commands/attribute.ts";
import { claimPointsCommand, claimRewardsCommand } from "./commands/claim.ts";
import { configCheckCommand } from "./commands/configCheck.ts";
import { contributeCommand } from "./commands/contribute.ts";
import { deployCommand } from "./commands/deploy.ts";
import { devnetCommand } from "./commands/devnet.ts";
import { indexerCommand } from "./commands/indexer.ts";
import { keysImportCommand, keysNewCommand, keysShowCommand } from "./commands/keys.ts";
import { startCommand } from "./commands/start.ts";
import { statusCommand } from "./commands/status.ts";
import {
  workerExitCommand,
  workerRegisterCommand,
  workerStatusCommand,
  workerWithdrawCommand,
} from "./commands/worker.ts";

/** Every `olnode` command, in the order `olnode --help` lists them. */
export const COMMANDS: Command[] = [
  devnetCommand,
  startCommand,
  indexerCommand,
  statusCommand,
  contributeCommand,
  attributeCommand,
  deployCommand,
  workerRegisterCommand,
  workerStatusCommand,
  workerExitCommand,
  workerWithdrawCommand,
  claimPointsCommand,
  claimRewardsCommand,
  keysNewCommand,
  keysImportCommand,
  keysShowCommand,
  configCheckCommand,
];
