import { dirname, join, normalize, relative, sep } from "node:path";
import ts from "typescript";

/**
 * The one-way dependency rule of the tree (STYLE.md): config <- contracts <- (indexer, p2p) <- node.
 * `indexer` and `p2p` never import each other, nothing imports `node`, product code never imports `test/`.
 * `test/` (and the root config files) may import anything.
 */
export const ALLOWED_LAYERS: Readonly<Record<string, readonly string[]>> = {
  config: ["config"],
  contracts: ["config", "contracts"],
  indexer: ["config", "contracts", "indexer"],
  p2p: ["config", "contracts", "p2p"],
  node: ["config", "contracts", "indexer", "p2p", "node"],
  // Packaging only: it may use the protocol and the runtime, never the daemon (compose runs `olnode`).
  docker: ["config", "contracts", "indexer", "p2p"],
};

/** The one production file allowed to read test-only `OLNODE_TEST_*` variables. */
export const TEST_HOOK_FILE = "config/testHooks.ts";

export type ImportViolation = {
  /** The importing file, relative to the root. */
  file: string;
  /** The specifier as written. */
  specifier: string;
  /** The file it resolves to, relative to the root. */
  target: string;
  /** For a test beside code: the chain of test/ files through which the import was reached. */
  via: string[];
  rule: string;
};

/** `foo.test.ts`, `foo.bench.ts`, `foo.crash.test.ts`: tests beside code, which may use the harness. */
export function isTestFile(file: string): boolean {
  return /\.(test|bench)\.ts$/.test(file);
}

/** The layer of a root-relative path: its top-level folder, or "root" for files at the top. */
export function layerOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 1 ? parts[0]! : "root";
}

/**
 * Every module specifier of a TypeScript source: static `import`/`export … from`, `import type`, and
 * dynamic `import("…")` with a string literal. Comments and strings that only look like imports are not.
 */
export function importsOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Resolves a relative specifier of `file` (root-relative, `/` separated); undefined for packages. */
export function resolveSpecifier(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  return normalize(join(dirname(file), specifier))
    .split(sep)
    .join("/");
}

function describeRule(layer: string, targetLayer: string): string {
  if (targetLayer === "test")
    return `${layer}/ is product code and must not import test/ (move the helper into test/ or the code out of it)`;
  if (targetLayer === "node") return `nothing imports node/ (${layer}/ sits below it)`;
  if (targetLayer === "root" || targetLayer.startsWith(".."))
    return `${layer}/ must not import outside the layered folders`;
  return `${layer}/ may import only ${ALLOWED_LAYERS[layer]!.join(", ")}: config <- contracts <- (indexer, p2p) <- node`;
}

/**
 * Checks `files` (root-relative path -> source text) against the layer rule. Product files are checked on
 * their direct imports. A test beside code may import test/ helpers, but what those helpers import (followed
 * transitively through test/) must still be allowed for the test's own layer: a contract test must not reach
 * node/ through the harness.
 */
export function findImportViolations(files: ReadonlyMap<string, string>): ImportViolation[] {
  const imports = new Map<string, { specifier: string; target: string }[]>();
  for (const [file, source] of files) {
    const resolved: { specifier: string; target: string }[] = [];
    for (const specifier of importsOf(source)) {
      const target = resolveSpecifier(file, specifier);
      if (target !== undefined) resolved.push({ specifier, target });
    }
    imports.set(file, resolved);
  }
  const violations: ImportViolation[] = [];
  for (const file of files.keys()) {
    const layer = layerOf(file);
    const allowed = ALLOWED_LAYERS[layer];
    if (!allowed) continue; // test/ and root files may import anything
    const testFile = isTestFile(file);
    const seen = new Set<string>([file]);
    const queue: { from: string; via: string[] }[] = [{ from: file, via: [] }];
    while (queue.length > 0) {
      const { from, via } = queue.shift()!;
      for (const { specifier, target } of imports.get(from) ?? []) {
        const targetLayer = layerOf(target);
        if (targetLayer === "test" && testFile) {
          if (!seen.has(target)) {
            seen.add(target);
            queue.push({ from: target, via: [...via, target] });
          }
          continue;
        }
        if (allowed.includes(targetLayer)) continue;
        violations.push({
          file,
          specifier: via.length === 0 ? specifier : `${specifier} (in ${from})`,
          target,
          via,
          rule: describeRule(layer, targetLayer),
        });
      }
    }
  }
  return violations;
}

/** Production files (not tests, not test/) that read a test-only `OLNODE_TEST_*` variable. */
export function findTestEnvReads(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, source] of files) {
    if (!ALLOWED_LAYERS[layerOf(file)] || isTestFile(file) || file === TEST_HOOK_FILE) continue;
    if (/OLNODE_TEST_/.test(source)) found.push(file);
  }
  return found;
}

export function formatViolation(v: ImportViolation): string {
  const chain = v.via.length > 0 ? ` via ${v.via.join(" -> ")}` : "";
  return `${v.file}: import "${v.specifier}" -> ${v.target}${chain}: ${v.rule}`;
}

export function toRootRelative(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join("/");
}
