import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

export const DOCKER_DIR = fileURLToPath(new URL("../../docker/", import.meta.url));
export const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** The `docker-compose` binary (Debian's package docker-compose), or undefined when none is installed. */
export function findDockerCompose(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "docker-compose");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export type RunResult = { status: number | null; stdout: string; stderr: string };

/**
 * Runs `docker-compose config` on docker/compose.yaml with only the given env file as configuration: the
 * test's own environment is left out so a variable set on the machine cannot hide an undocumented one.
 */
export function composeConfig(
  bin: string,
  parameters: { envFile: string; profiles?: string[]; extra?: string[] },
): Promise<RunResult> {
  const args = ["--project-directory", DOCKER_DIR, "--env-file", parameters.envFile];
  args.push("-f", join(DOCKER_DIR, "compose.yaml"));
  for (const profile of parameters.profiles ?? []) args.push("--profile", profile);
  args.push("config", ...(parameters.extra ?? []));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8" };
  // Async: docker-compose 1.x (Python) takes seconds to start, so the profiles are checked in parallel.
  return new Promise((resolve) => {
    execFile(bin, args, { encoding: "utf8", env, timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * Parses YAML to plain data. docker-compose 1.x prints YAML only; Debian's package depends on python3-yaml,
 * so the interpreter it runs on can read it back (no YAML parser among the project's npm dependencies).
 */
export function parseYaml(text: string): unknown {
  if (text.trimStart().startsWith("{")) return JSON.parse(text);
  const result = spawnSync(
    "/usr/bin/python3",
    ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
    { input: text, encoding: "utf8", timeout: 30_000 },
  );
  if (result.status !== 0) throw new Error(`Cannot parse YAML with python3-yaml: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** `NAME=value` lines of an env file, in order, with the section (REQUIRED / OPTIONAL) each sits in. */
export function readEnvFile(text: string): { name: string; value: string; section: string }[] {
  const entries: { name: string; value: string; section: string }[] = [];
  let section = "";
  for (const line of text.split("\n")) {
    const header = /^#\s*(REQUIRED|OPTIONAL)\b/.exec(line);
    if (header) section = header[1]!;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) entries.push({ name: m[1]!, value: m[2]!, section });
  }
  return entries;
}

/** Every `${VAR...}` a compose file interpolates (`$${...}` is an escaped shell variable, not one of ours). */
export function composeVariables(text: string): { name: string; required: boolean; hasDefault: boolean }[] {
  const found = new Map<string, { name: string; required: boolean; hasDefault: boolean }>();
  // Compose does not interpolate comment lines.
  const body = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n");
  for (const m of body.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?[^}]*\}/g)) {
    const name = m[1]!;
    const op = m[2] ?? "";
    const prev = found.get(name) ?? { name, required: false, hasDefault: false };
    found.set(name, {
      name,
      required: prev.required || op.endsWith("?"),
      hasDefault: prev.hasDefault || op.endsWith("-"),
    });
  }
  return [...found.values()];
}
