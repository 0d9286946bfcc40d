import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../config/common/createLogger.ts";
import { processIdentity } from "../../config/services/processIdentity.ts";
import { makeTempDir } from "../../test/harness/tempDir.ts";
import { waitFor } from "../../test/harness/waitFor.ts";
import { createRunRecord } from "./createRunRecord.ts";
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

/**
 * Whether nothing killed `child`: it ends by the SIGTERM sent now, not by a SIGKILL sent before (Linux fixes a
 * SIGKILLed process's exit signal when the signal is sent). No grace period to sleep through and hope.
 */
async function untouched(child: ChildProcess): Promise<boolean> {
  if (exited(child)) return false;
  const gone = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  child.kill("SIGTERM");
  return (await gone) === "SIGTERM";
}

describe("reapLeftovers", () => {
  it("kills a SIGKILLed devnet's services and removes its Postgres temp dir, and nothing else", async () => {
    const dir = makeTempDir("olnode-reap-");
    const service = sleeper("anvil --network optimism");
    const stranger = sleeper("someone-elses-process");
    const pgDir = makeTempDir("olnode-pg-");
    writeFileSync(join(pgDir, "PG_VERSION"), "18\n");
    const foreign = join(dir, "olnode-pg-not-under-tmp");
    mkdirSync(foreign);
    await waitFor("the processes to start", () => running(service, "anvil") && running(stranger, "someone"));
    const processes = [processIdentity(service.pid!)!, processIdentity(stranger.pid!)!];
    writeFileSync(join(dir, "pids.json"), JSON.stringify({ processes, dirs: [pgDir, foreign, "/etc"] }));

    reapLeftovers(join(dir, "pids.json"), logger);

    await waitFor("the service to be killed", () => exited(service));
    expect(service.signalCode).toBe("SIGKILL");
    expect(exited(stranger)).toBe(false);
    expect(existsSync(pgDir)).toBe(false);
    expect(existsSync(foreign)).toBe(true);
    expect(existsSync("/etc")).toBe(true);
  });

  it("never kills a process that got a recorded pid after the recorded one died (pid reuse)", async () => {
    const dir = makeTempDir("olnode-reap-");
    // The process now holding the pid looks exactly like one of ours by its command line...
    const reuser = sleeper("anvil --network optimism (not the devnet's)");
    await waitFor("the process to start", () => running(reuser, "not the devnet"));
    const now = processIdentity(reuser.pid!)!;
    // ...but the record names the process that had this pid before: it started earlier, or in another boot.
    const earlier = { ...now, startTime: String(BigInt(now.startTime) - 1n) };
    const otherBoot = { ...now, bootId: "00000000-0000-0000-0000-000000000000" };
    writeFileSync(join(dir, "pids.json"), JSON.stringify({ processes: [earlier, otherBoot], dirs: [] }));

    reapLeftovers(join(dir, "pids.json"), logger);

    expect(processIdentity(reuser.pid!)).toEqual(now);
    expect(await untouched(reuser)).toBe(true);
  });

  it("leaves pids an older run recorded without start times alone, and ignores a missing or garbled file", async () => {
    const dir = makeTempDir("olnode-reap-");
    const service = sleeper("ponder start");
    await waitFor("the service to start", () => running(service, "ponder"));
    writeFileSync(join(dir, "bare.json"), JSON.stringify([service.pid]));
    writeFileSync(join(dir, "old.json"), JSON.stringify({ pids: [service.pid], dirs: [] }));
    reapLeftovers(join(dir, "bare.json"), logger);
    reapLeftovers(join(dir, "old.json"), logger);
    expect(await untouched(service)).toBe(true);

    writeFileSync(join(dir, "garbled.json"), "{not json");
    writeFileSync(join(dir, "odd.json"), JSON.stringify({ processes: [{ pid: 1 }, "x", null], dirs: [7] }));
    expect(() => reapLeftovers(join(dir, "garbled.json"), logger)).not.toThrow();
    expect(() => reapLeftovers(join(dir, "odd.json"), logger)).not.toThrow();
    expect(() => reapLeftovers(join(dir, "absent.json"), logger)).not.toThrow();
  });
});

describe("createRunRecord", () => {
  it("records services as they start and, after a stop, kills what is left and removes the file", async () => {
    const dir = makeTempDir("olnode-reap-");
    const file = join(dir, "pids.json");
    const record = createRunRecord(file, logger);
    const stopped = sleeper("postgres -D stopped-cleanly");
    const stuck = sleeper("ponder start stuck");
    await waitFor("the services to start", () => running(stopped, "stopped") && running(stuck, "stuck"));
    record.addProcess(stopped.pid!);
    record.addProcess(stuck.pid!);
    expect(JSON.parse(readFileSync(file, "utf8")).processes).toHaveLength(2);
    stopped.kill("SIGTERM");
    await waitFor("the clean stop", () => exited(stopped));

    expect(await record.ensureGone()).toEqual([]);
    expect(stuck.signalCode).toBe("SIGKILL");
    expect(existsSync(file)).toBe(false);
  });
});
