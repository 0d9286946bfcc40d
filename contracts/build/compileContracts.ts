import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";
import { BaseError } from "../../config/errors/BaseError.ts";

export class ContractsCompileError extends BaseError {
  override name = "ContractsCompileError";
}

export type CompiledContract = {
  name: string;
  /** The Solidity source unit, e.g. `src/DatanetRegistry.sol`. */
  source: string;
  abi: readonly unknown[];
  bytecode: `0x${string}`;
  /** The runtime code the constructor returns, with zeros where its immutables go. */
  deployedBytecode: `0x${string}`;
  /** Where each immutable sits in the runtime code (byte offsets), to mask them when comparing with chain code. */
  immutableReferences: ImmutableReference[];
};

/** A 32-byte slot of runtime code that the constructor fills with an immutable's value. */
export type ImmutableReference = { start: number; length: number };

export type CompileContractsParameters = {
  /** The contracts/ folder; defaults to the one this file lives in. */
  root?: string;
};

export const contractsRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Folders compiled: protocol sources and test-only helpers (the ERC-20 gas baseline). */
const SOURCE_DIRS = ["src", "test"];

/** Pinned so the bytecode does not change with solc's default; OP Stack L2s run Cancun. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  outputSelection: {
    "*": {
      "*": [
        "abi",
        "evm.bytecode.object",
        "evm.deployedBytecode.object",
        "evm.deployedBytecode.immutableReferences",
      ],
    },
  },
} as const;

function listSol(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSol(path));
    else if (entry.name.endsWith(".sol")) out.push(path);
  }
  return out;
}

type SolcOutput = {
  errors?: { severity: "error" | "warning" | "info"; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      {
        abi: unknown[];
        evm: {
          bytecode: { object: string };
          deployedBytecode: {
            object: string;
            immutableReferences?: Record<string, { start: number; length: number }[]>;
          };
        };
      }
    >
  >;
};

/**
 * Compiles every contract under contracts/src and contracts/test with the npm `solc` (standard JSON,
 * optimizer on), resolving `@openzeppelin/...` from node_modules. Returns deployable contracts sorted by name;
 * interfaces and abstract contracts (no bytecode) are left out.
 */
export function compileContracts(parameters: CompileContractsParameters = {}): CompiledContract[] {
  const root = parameters.root ?? contractsRoot;
  const sources: Record<string, { content: string }> = {};
  for (const dir of SOURCE_DIRS) {
    for (const file of listSol(join(root, dir))) {
      // Source unit names are relative and '/'-separated so the metadata hash is the same on every machine.
      sources[relative(root, file).split(sep).join("/")] = { content: readFileSync(file, "utf8") };
    }
  }
  const require = createRequire(join(root, "package.json"));
  const findImports = (path: string) => {
    try {
      return { contents: readFileSync(require.resolve(path), "utf8") };
    } catch {
      return { error: `File not found: ${path} (neither in contracts/ nor in node_modules)` };
    }
  };
  const input = { language: "Solidity", sources, settings: SOLC_SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new ContractsCompileError(`solc failed with ${errors.length} error(s).`, {
      details: errors.map((e) => e.formattedMessage).join("\n"),
      hint: "Fix the Solidity sources under contracts/src, then run `npm run build:contracts`.",
    });
  }
  const compiled: CompiledContract[] = [];
  for (const [source, contracts] of Object.entries(output.contracts ?? {})) {
    if (!(source.startsWith("src/") || source.startsWith("test/"))) continue;
    for (const [name, artifact] of Object.entries(contracts)) {
      if (!artifact.evm.bytecode.object) continue;
      const deployed = artifact.evm.deployedBytecode;
      const immutableReferences = Object.values(deployed.immutableReferences ?? {})
        .flat()
        .map(({ start, length }) => ({ start, length }))
        .sort((a, b) => a.start - b.start);
      compiled.push({
        name,
        source,
        abi: artifact.abi,
        bytecode: `0x${artifact.evm.bytecode.object}`,
        deployedBytecode: `0x${deployed.object}`,
        immutableReferences,
      });
    }
  }
  return compiled.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function camelName(contractName: string): string {
  return contractName.charAt(0).toLowerCase() + contractName.slice(1);
}

/** The generated TypeScript files, keyed by path relative to contracts/generated. Deterministic. */
export function renderGenerated(contracts: readonly CompiledContract[]): Map<string, string> {
  const files = new Map<string, string>();
  const header = "// Generated by contracts/build/buildContracts.ts from contracts/src. Do not edit.\n";
  const indexLines: string[] = [];
  for (const c of contracts) {
    const camel = camelName(c.name);
    files.set(
      `${camel}.ts`,
      `${header}// Source: contracts/${c.source}\n\nexport const ${camel}Abi = ${JSON.stringify(c.abi, null, 2)} as const;\n\nexport const ${camel}Bytecode = "${c.bytecode}" as const;\n\n/** Runtime code (zeros where immutables go) and the immutables' byte ranges in it. */\nexport const ${camel}DeployedBytecode = "${c.deployedBytecode}" as const;\n\nexport const ${camel}ImmutableReferences = ${JSON.stringify(c.immutableReferences)} as const;\n`,
    );
    // Test-only contracts stay out of the package entry.
    if (c.source.startsWith("src/"))
      indexLines.push(
        `export {\n  ${camel}Abi,\n  ${camel}Bytecode,\n  ${camel}DeployedBytecode,\n  ${camel}ImmutableReferences,\n} from "./${camel}.ts";`,
      );
  }
  files.set("index.ts", `${header}\n${indexLines.join("\n")}\n`);
  return files;
}
