import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BaseError } from "../../config/errors/BaseError.ts";
import { buildAttributionIndex } from "./buildAttributionIndex.ts";
import { createAttributionEngine, loadAttributionEngine } from "./createAttributionEngine.ts";
import { attributionResultToJson } from "./encodeAttributionResult.ts";
import { readContributionFolder } from "./readContributionFolder.ts";
import { tokenizerById } from "./tokenizerById.ts";

/** The flags both entries take (this script and `olnode attribute`): one list, so neither refuses the other's. */
export const ATTRIBUTE_CLI_OPTIONS = {
  tokenizer: { type: "string" },
  "min-span": { type: "string" },
  "max-entries": { type: "string" },
} as const;

export const ATTRIBUTE_CLI_USAGE = [
  "index <folder> <indexFile> [--tokenizer cl100k_base|utf8-bytes]",
  "trace <indexFile> <outputTextFile> [--min-span N] [--max-entries N]",
] as const;

const USAGE = `Proof of Attribution: index a folder of contributions, then trace a model output back to them.

Usage:
  node node/attribution/attributeCli.ts ${ATTRIBUTE_CLI_USAGE[0]}
  node node/attribution/attributeCli.ts ${ATTRIBUTE_CLI_USAGE[1]}

index   Each file in <folder> is one contribution (.jsonl files: one document per line, their string
        values; others: the whole file). Its id is the file name's leading digits (12.txt), else its rank.
trace   Prints the attribution as JSON: entries (contributionId, weightPpm summing to 1,000,000),
        the spans found verbatim in the corpus, and resultRoot. --min-span and --max-entries explore the
        corpus with other parameters; claims are only ever verified with the protocol's (L = 8, 64 entries).
`;

/** Where the CLI writes; a test passes its own to run the CLI in-process. */
export type CliOutput = { stdout(text: string): void; stderr(text: string): void };

class CliExit extends Error {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

function fail(message: string, code = 1): never {
  throw new CliExit(message, code);
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, got "${value}".`, 2);
  return n;
}

function main(argv: string[], out: CliOutput): void {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" }, ...ATTRIBUTE_CLI_OPTIONS },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  const [command, a, b] = positionals;
  if (values.help || command === undefined || command === "help") {
    out.stdout(USAGE);
    return;
  }
  if (command === "index") {
    if (!a || !b || positionals.length !== 3) fail(`index needs <folder> <indexFile>.\n\n${USAGE}`, 2);
    const started = performance.now();
    const contributions = readContributionFolder(a);
    const tokenizer = tokenizerById(values.tokenizer ?? "cl100k_base");
    const engine = createAttributionEngine({
      index: buildAttributionIndex({ contributions, tokenizer }),
      tokenizer,
    });
    engine.save(b);

    out.stdout(
      `${JSON.stringify({
        indexFile: b,
        tokenizer: tokenizer.id,
        contributions: contributions.length,
        documents: engine.index.shards.reduce((sum, s) => sum + s.documentCount, 0),
        tokens: engine.index.tokenCount,
        ms: Math.round(performance.now() - started),
      })}\n`,
    );
    return;
  }
  if (command === "trace") {
    if (!a || !b || positionals.length !== 3)
      fail(`trace needs <indexFile> <outputTextFile>.\n\n${USAGE}`, 2);
    const options = {
      ...(values["min-span"] ? { minSpanLength: positiveInt(values["min-span"], "--min-span")! } : {}),
      ...(values["max-entries"] ? { maxEntries: positiveInt(values["max-entries"], "--max-entries")! } : {}),
    };
    const engine = loadAttributionEngine(a, options);
    let text: string;
    try {
      text = readFileSync(b, "utf8");
    } catch (error) {
      fail(`cannot read output file ${b}: ${(error as Error).message}`);
    }
    const tokens = engine.tokenizer.encode(text);
    const result = engine.attribute(tokens);
    const json = attributionResultToJson(result) as { spans: { start: number; length: number }[] };
    const spans = json.spans.map((s) => ({
      ...s,
      text: engine.tokenizer.decode(tokens.subarray(s.start, s.start + s.length)),
    }));
    out.stdout(`${JSON.stringify({ ...json, spans }, null, 2)}\n`);
    return;
  }
  fail(`unknown command "${command}".\n\n${USAGE}`, 2);
}

/** Runs the CLI and returns its exit code: 0 done, 1 failed (bad files), 2 bad usage. */
export function runAttributeCli(argv: string[], out: CliOutput): number {
  try {
    main(argv, out);
    return 0;
  } catch (error) {
    if (error instanceof CliExit) {
      out.stderr(`error: ${error.message}\n`);
      return error.code;
    }
    if (error instanceof BaseError) {
      out.stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  process.exitCode = runAttributeCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
