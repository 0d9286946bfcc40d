import type { ParseArgsConfig } from "node:util";

/** Exit codes an operator's scripts and systemd can act on. */
export const EXIT = {
  ok: 0,
  /** Something failed at run time (RPC down, a transaction reverted). */
  failure: 1,
  /** The command line itself is wrong: unknown command or flag, missing argument. */
  usage: 2,
  /** The configuration is invalid: fix the named field. */
  config: 3,
} as const;

export type CommandContext = {
  args: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
};

export type Command = {
  /** Words after `olnode`, e.g. ["config", "check"]. */
  name: string[];
  summary: string;
  usage: string;
  /** Shown under the usage line by --help. */
  help: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  allowPositionals?: boolean;
  run(context: CommandContext): Promise<number>;
};

/** `--config` is understood by every command that reads configuration. */
export const configOption = {
  config: { type: "string", short: "c" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;
