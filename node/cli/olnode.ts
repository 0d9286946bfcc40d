#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError } from "../../config/ConfigError.ts";
import { BaseError } from "../../config/errors/BaseError.ts";
import { type Command, EXIT } from "./command.ts";
import { COMMANDS } from "./commands.ts";

/** `olnode <command> [options]`: finds the longest command name matching the arguments and runs it. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.name.every((w, i) => argv[i] === w)).sort(
    (a, b) => b.name.length - a.name.length,
  );
  const command = matches[0];
  return command ? { command, rest: argv.slice(command.name.length) } : undefined;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.join(" ").length));
  return [
    "olnode: the OpenLedger node sidecar (indexer, Datanet chunk gossip, point-earning worker).",
    "",
    "Usage: olnode <command> [options]    (olnode <command> --help for its options)",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    "Configuration: a JSON file (--config or OLNODE_CONFIG) and OLNODE__* env vars; see docs/configuration.md.",
    "Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid configuration.",
  ].join("\n");
}

export async function main(
  argv: string[],
  io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    (argv.length === 0 ? io.stderr : io.stdout).write(`${mainHelp()}\n`);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name[0] === argv[0]);
    const hint = group.length
      ? `\`${argv[0]}\` needs a subcommand: ${group.map((c) => c.name.join(" ")).join(", ")}`
      : "run `olnode --help` for the list of commands";
    io.stderr.write(`olnode: unknown command "${argv.join(" ")}": ${hint}.\n`);
    return EXIT.usage;
  }
  const { command, rest } = found;
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n\n${command.help}\n`);
    return EXIT.ok;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    io.stderr.write(
      `olnode ${command.name.join(" ")}: ${(error as Error).message}\nUsage: ${command.usage}\n`,
    );
    return EXIT.usage;
  }
  try {
    return await command.run({
      args: rest,
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      positionals: parsed.positionals,
      stdout: io.stdout,
      stderr: io.stderr,
      env: process.env,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`olnode: ${error.shortMessage}\n`);
      return EXIT.config;
    }
    if (error instanceof BaseError) {
      io.stderr.write(`olnode: ${error.message}\n`);
      return EXIT.failure;
    }
    io.stderr.write(`olnode: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.failure;
  }
}

if (import.meta.main) {
  // `olnode config check | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
