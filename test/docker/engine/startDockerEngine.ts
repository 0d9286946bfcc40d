import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";

export type DockerEngine = {
  /** Environment for docker / docker-compose commands that talk to this engine (DOCKER_HOST). */
  env: NodeJS.ProcessEnv;
  /** Runs `docker <args>` against this engine; rejects with its stderr on a non-zero exit. */
  docker(args: string[], options?: { input?: string | Buffer; timeoutMs?: number }): Promise<string>;
  log(): string;
  stop(): Promise<void>;
};

export function findBinary(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"]) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The docker client: Debian's (docker.io, matching its dockerd and with BuildKit built in) when installed,
 * else the first on PATH (a newer client may need the buildx plugin for BuildKit).
 */
export function dockerClient(): string {
  return existsSync("/usr/bin/docker") ? "/usr/bin/docker" : findBinary("docker")!;
}

/**
 * Why a Docker engine cannot be started here, or undefined when it can: dockerd (Debian's docker.io), a
 * docker client and root are needed (dockerd makes bridges and mounts).
 */
export function dockerEngineUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (dockerd needs root)";
  for (const bin of ["dockerd", "docker", "docker-compose", "debootstrap"]) {
    if (!findBinary(bin))
      return `${bin} is not installed (Debian: apt-get install -y docker.io docker-compose debootstrap)`;
  }
  return undefined;
}

export function runCommand(
  bin: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
        ...(options.cwd && { cwd: options.cwd }),
      },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${bin} ${args.join(" ")} failed: ${error.message}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`,
            ),
          );
        else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * A private Docker engine: dockerd with overlay2 where the kernel and file system allow it, else vfs (works
 * anywhere, but every layer and container is a full copy: many times slower), no iptables rules and no
 * default bridge, its own data root, exec root and socket under `dir`, so it never touches a system engine.
 * Compose's user-defined networks still connect containers; port publishing goes through docker-proxy.
 * Builds use `--network host` (no NAT without iptables).
 */
export async function startDockerEngine(dir: string): Promise<DockerEngine> {
  try {
    return await startDockerd(join(dir, "overlay2"), "overlay2");
  } catch {
    return await startDockerd(join(dir, "vfs"), "vfs");
  }
}

async function startDockerd(dir: string, storageDriver: "overlay2" | "vfs"): Promise<DockerEngine> {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "docker.sock");
  const logFile = join(dir, "dockerd.log");
  const out = openSync(logFile, "a");
  const dockerd = findBinary("dockerd")!;
  const child: ChildProcess = spawn(
    dockerd,
    [
      `--storage-driver=${storageDriver}`,
      "--iptables=false",
      "--ip-masq=false",
      "--bridge=none",
      `--data-root=${join(dir, "data")}`,
      `--exec-root=${join(dir, "exec")}`,
      `--pidfile=${join(dir, "dockerd.pid")}`,
      `--host=unix://${socket}`,
    ],
    { stdio: ["ignore", out, out], detached: true },
  );
  const env = {
    ...process.env,
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_BUILDKIT: "0",
    COMPOSE_DOCKER_CLI_BUILD: "0",
  };
  const dockerBin = findBinary("docker")!;
  const docker = (args: string[], options: { input?: string | Buffer; timeoutMs?: number } = {}) =>
    runCommand(dockerBin, args, { env, ...options });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const stop = async () => {
    if (!exited && child.pid) {
      // dockerd stops its containers and its containerd on SIGTERM; its process group is killed after 30 s.
      process.kill(child.pid, "SIGTERM");
      const deadline = Date.now() + 30_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      if (!exited) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }
    }
    // vfs layers are full copies owned by root: gigabytes. Unmount anything left, then remove.
    spawnSync("sh", ["-c", `grep -o ' ${dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`dockerd exited at start:\n${log().slice(-3000)}`);
    }
    const ping = spawnSync(dockerBin, ["version", "--format", "{{.Server.Version}}"], {
      env,
      encoding: "utf8",
    });
    if (ping.status === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not answer within 60 s:\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { env, docker, log, stop };
}
