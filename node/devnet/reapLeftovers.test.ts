import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../config/common/createLogger.ts";
import { makeTempDir } from "../../test/harness/tempDir.ts";
import { waitFor } from "../../test/harness/waitFor.ts";
import { reapLeftovers } from "./reapLeftovers.ts";

const logger = createLogger({ level: "silent", format: "json" });
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** A long-lived process whose command line contains `tag`, in its own process group like the devnet's services. */
function sleeper(tag: string): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", tag], {
    detached: true,
    stdio: "ignore",
  });
  children.push(child);
  return child;
}

/** Until exec has happened, /proc shows the parent's command line. */
const running = (child: ChildProcess, tag: string) => {
  try {
    return readFileSync(`/proc/${child.pid}/cmdline`, "utf8").includes(tag);
  } catch {
    return false;
  }
};

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

describe("reapLeftovers", () => {
  it("kills a SIGKILLed devnet's services and removes its Postgres temp dir, and nothing else", async () => {
    const dir = makeTempDir("olnode-reap-");
    const service = sleeper("anvil --network optimism");
    const stranger = sleeper("someone-elses-process");
    const pgDir = makeTempDir("olnode-pg-");
    writeFileSync(join(pgDir, "PG_VERSION"), "18\n");
    const foreign = join(dir, "olnode-pg-not-under-tmp");
    mkdirSync(foreign);
    await waitFor("the processes to start", () => running(service, "anvil") && running(stranger, "someone"), {
      timeoutMs: 5_000,
    });
    writeFileSync(
      join(dir, "pids.json"),
      JSON.stringify({ pids: [service.pid, stranger.pid], dirs: [pgDir, foreign, "/etc"] }),
    );

    reapLeftovers(join(dir, "pids.json"), logger);

    await waitFor("the service to be killed", () => exited(service), { timeoutMs: 5_000 });
    expect(service.signalCode).toBe("SIGKILL");
    expect(exited(stranger)).toBe(false);
    expect(existsSync(pgDir)).toBe(false);
    expect(existsSync(foreign)).toBe(true);
    expect(existsSync("/etc")).toBe(true);
  });

  it("reads the bare pid array older runs wrote, and ignores a missing or garbled file", async () => {
    const dir = makeTempDir("olnode-reap-");
    const service = sleeper("ponder start");
    await waitFor("the service to start", () => running(service, "ponder"), { timeoutMs: 5_000 });
    writeFileSync(join(dir, "pids.json"), JSON.stringify([service.pid]));
    reapLeftovers(join(dir, "pids.json"), logger);
    await waitFor("the service to be killed", () => exited(service), { timeoutMs: 5_000 });

    writeFileSync(join(dir, "garbled.json"), "{not json");
    expect(() => reapLeftovers(join(dir, "garbled.json"), logger)).not.toThrow();
    expect(() => reapLeftovers(join(dir, "absent.json"), logger)).not.toThrow();
  });
});
