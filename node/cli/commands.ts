import type { Command } from "./command.ts";
import { configCheckCommand } from "./commands/configCheck.ts";
import { devnetCommand } from "./commands/devnet.ts";
import { keysImportCommand, keysNewCommand, keysShowCommand } from "./commands/keys.ts";

/** Every `olnode` command, in the order `olnode --help` lists them. */
export const COMMANDS: Command[] = [
  devnetCommand,
  keysNewCommand,
  keysImportCommand,
  keysShowCommand,
  configCheckCommand,
];
