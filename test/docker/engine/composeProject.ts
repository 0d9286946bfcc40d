import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKER_DIR, REPO_DIR } from "../composeConfig.ts";
import { STAND_IN_IMAGES, saveImages } from "./makeStandInImages.ts";
import { type DockerEngine, findBinary, runCommand } from "./startDockerEngine.ts";

export type ComposeProject = {
  name: string;
  /** Runs `docker-compose <args>` on docker/compose.yaml with this project's env file and the devnet profile. */
  compose(args: string[], timeoutMs?: number): Promise<string>;
  /** `docker inspect` of every container of the project (running or not). */
  containers(): Promise<ContainerInfo[]>;
  volumes(): Promise<string[]>;
  networks(): Promise<string[]>;
};

export type ContainerInfo = {
  Name: string;
  Config: { User: string; Labels: Record<string, string> };
  State: { Status: string; Health?: { Status: string } };
};

/**
 * The olnode images as an operator builds them, with the real docker/Dockerfile from the repository root
 * (its .dockerignore), on the stand-in Node base: the production target and the devnet target.
 *
 * With `cacheDir`, the Dockerfile's `deps` stage (the production `npm ci`, the slow step) is saved there after
 * a build, named by what it is made of (the Dockerfile, package.json, package-lock.json and the base image), and
 * loaded at the next run as the build's cache (`--cache-from`), so only the layers after it are built again.
 */
export async function buildOlnodeImages(
  engine: DockerEngine,
  tag: string,
  cacheDir?: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  const baseId = (await engine.docker(["image", "inspect", "-f", "{{.Id}}", STAND_IN_IMAGES.node])).trim();
  const hash = createHash("sha256").update(baseId);
  for (const file of ["docker/Dockerfile", "package.json", "package-lock.json"])
    hash.update(readFileSync(join(REPO_DIR, file)));
  const key = hash.digest("hex").slice(0, 16);
  const depsImage = `olnode-e2e/deps:${key}`;
  const saved = cacheDir && join(cacheDir, `deps-${key}.tar`);
  if (saved && existsSync(saved)) {
    log(`docker load ${saved}`);
    await engine.docker(["load", "-i", saved], { timeoutMs: 600_000 });
  }
  const build = async (target: string, image: string, cacheFrom: string[]) => {
    log(`docker build --target ${target}`);
    await engine.docker(
      [
        "build",
        "--network",
        "host",
        "--build-arg",
        `NODE_IMAGE=${STAND_IN_IMAGES.node}`,
        ...cacheFrom.flatMap((c) => ["--cache-from", c]),
        "-f",
        join(DOCKER_DIR, "Dockerfile"),
        "--target",
        target,
        "-t",
        image,
        REPO_DIR,
      ],
      { timeoutMs: 1_200_000 },
    );
  };
  const loaded = saved !== undefined && existsSync(saved);
  // With --cache-from, the legacy builder takes a local layer only when it leads to one of the named images.
  await build("deps", depsImage, loaded ? [depsImage] : []);
  if (saved && !loaded) {
    log(`docker save ${depsImage}`);
    await saveImages(engine, saved, [depsImage]);
  }
  const production = `openledger/olnode:${tag}`;
  await build("production", production, [depsImage]);
  await build("devnet", `${production}-devnet`, [depsImage, production]);
}

/**
 * A compose project on docker/compose.yaml, configured like an operator's first try: `.env.example` copied to
 * an env file, with the stand-in images, the test's image tag, a generated Postgres password and free host ports.
 */
export function composeProject(
  engine: DockerEngine,
  parameters: { name: string; dir: string; tag: string; ports: Record<string, number> },
): ComposeProject {
  const envFile = join(parameters.dir, "compose.env");
  copyFileSync(join(DOCKER_DIR, ".env.example"), envFile);
  const overrides: Record<string, string> = {
    COMPOSE_PROJECT_NAME: parameters.name,
    OLNODE_VERSION: parameters.tag,
    OLNODE_NODE_IMAGE: STAND_IN_IMAGES.node,
    POSTGRES_IMAGE: STAND_IN_IMAGES.postgres,
    // network-init only needs a POSIX shell and sed: the stand-in Node image (Debian) has them, like op-node's.
    OP_NODE_IMAGE: STAND_IN_IMAGES.node,
    POSTGRES_PASSWORD: `e2e${Math.random().toString(36).slice(2)}`,
    ...Object.fromEntries(Object.entries(parameters.ports).map(([k, v]) => [k, String(v)])),
  };
  const lines = readFileSync(envFile, "utf8")
    .split("\n")
    .filter((l) => !Object.keys(overrides).some((k) => l.startsWith(`${k}=`)));
  writeFileSync(
    envFile,
    `${[...lines, ...Object.entries(overrides).map(([k, v]) => `${k}=${v}`)].join("\n")}\n`,
  );
  const bin = findBinary("docker-compose")!;
  const compose = (args: string[], timeoutMs = 600_000) =>
    runCommand(
      bin,
      [
        "--project-name",
        parameters.name,
        "--project-directory",
        DOCKER_DIR,
        "--env-file",
        envFile,
        "-f",
        join(DOCKER_DIR, "compose.yaml"),
        "--profile",
        "devnet",
        ...args,
      ],
      // Container removal on a slow disk can outlast docker-compose's default 60 s HTTP timeout.
      { env: { ...engine.env, COMPOSE_HTTP_TIMEOUT: "600" }, timeoutMs },
    );
  const label = `label=com.docker.compose.project=${parameters.name}`;
  const ids = async (kind: "ps" | "volume" | "network") => {
    const args = kind === "ps" ? ["ps", "-aq", "--filter", label] : [kind, "ls", "-q", "--filter", label];
    return (await engine.docker(args)).split("\n").filter(Boolean);
  };
  return {
    name: parameters.name,
    compose,
    async containers() {
      const list = await ids("ps");
      if (list.length === 0) return [];
      return JSON.parse(await engine.docker(["inspect", ...list])) as ContainerInfo[];
    },
    volumes: () => ids("volume"),
    networks: () => ids("network"),
  };
}
