import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { allocatePort } from "../../config/services/allocatePort.ts";
import { type AnvilProcess, launchAnvil } from "../../config/services/launchAnvil.ts";
import { makeTempDir } from "../../test/harness/tempDir.ts";
import { waitFor } from "../../test/harness/waitFor.ts";
import { goodCopyOf, isWholeJson, recoverAnvilState, snapshotAnvilState } from "./anvilStateFile.ts";

let anvil: AnvilProcess | undefined;
afterEach(async () => {
  await anvil?.stop();
  anvil = undefined;
});

async function blockNumber(a: AnvilProcess): Promise<number> {
  const res = await fetch(a.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
  });
  return Number(((await res.json()) as { result: string }).result);
}

async function mine(a: AnvilProcess, blocks: number): Promise<void> {
  await fetch(a.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "anvil_mine",
      params: [`0x${blocks.toString(16)}`],
    }),
  });
}

/** A real anvil writes its state at stop; returns the file. */
async function stateWithBlocks(dir: string, blocks: number): Promise<string> {
  const file = join(dir, "anvil-state.json");
  anvil = await launchAnvil({ args: ["--state", file] });
  await mine(anvil, blocks);
  await anvil.stop();
  anvil = undefined;
  return file;
}

describe("anvil's state file across stops that cut its write (real anvil)", () => {
  it("keeps a whole state, and copies it as the last good one", async () => {
    const dir = makeTempDir("anvil-state-");
    const file = await stateWithBlocks(dir, 7);
    expect(isWholeJson(file)).toBe(true);
    expect(recoverAnvilState(file)).toEqual({ kind: "whole" });
    expect(readFileSync(goodCopyOf(file), "utf8")).toBe(readFileSync(file, "utf8"));
    anvil = await launchAnvil({ args: ["--state", file] });
    expect(await blockNumber(anvil)).toBe(7);
  });

  it("restores the last good state when the file was cut mid-write, and anvil starts on it", async () => {
    const dir = makeTempDir("anvil-state-");
    const file = await stateWithBlocks(dir, 5);
    expect(recoverAnvilState(file).kind).toBe("whole");
    const whole = readFileSync(file, "utf8");
    // What anvil refused to start on in the compose devnet: the same file cut at some byte.
    for (const cutAt of [1, Math.floor(whole.length / 2), whole.length - 1]) {
      writeFileSync(file, whole.slice(0, cutAt));
      const recovery = recoverAnvilState(file, new Date(Date.UTC(2026, 0, 1, 0, 0, cutAt)));
      expect(recovery).toMatchObject({ kind: "restored", from: goodCopyOf(file) });
      expect(readFileSync(file, "utf8")).toBe(whole);
      // The cut file is kept for inspection, not deleted.
      const aside = (recovery as { cutAside: string }).cutAside;
      expect(readFileSync(aside, "utf8")).toBe(whole.slice(0, cutAt));
    }
    anvil = await launchAnvil({ args: ["--state", file] });
    expect(await blockNumber(anvil)).toBe(5);
  });

  it("without a good copy, moves the cut file aside so anvil starts a new chain instead of refusing to start", async () => {
    const dir = makeTempDir("anvil-state-");
    const file = await stateWithBlocks(dir, 3);
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 100));
    const recovery = recoverAnvilState(file);
    expect(recovery.kind).toBe("reset");
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir).some((f) => f.startsWith("anvil-state.json.cut-"))).toBe(true);
    anvil = await launchAnvil({ args: ["--state", file] });
    expect(await blockNumber(anvil)).toBe(0);
  });

  it("snapshots only whole, changed states", () => {
    const dir = makeTempDir("anvil-state-");
    const file = join(dir, "s.json");
    expect(snapshotAnvilState(file, 0)).toBe(0);
    writeFileSync(file, '{"block":1}');
    const copied = snapshotAnvilState(file, 0);
    expect(copied).toBeGreaterThan(0);
    expect(readFileSync(goodCopyOf(file), "utf8")).toBe('{"block":1}');
    // A write in progress (cut JSON) is not copied over the good one.
    writeFileSync(file, '{"block":2, "acc');
    snapshotAnvilState(file, copied);
    expect(readFileSync(goodCopyOf(file), "utf8")).toBe('{"block":1}');
  });

  it("runAnvilWithState.ts (as a process): starts anvil on the restored state, and a SIGTERM leaves a whole state", async () => {
    const dir = makeTempDir("anvil-state-");
    const file = await stateWithBlocks(dir, 4);
    recoverAnvilState(file);
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 50));
    const port = await allocatePort();
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "runAnvilWithState.ts"), "--port", String(port), "--state", file],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const running = { rpcUrl: `http://127.0.0.1:${port}` } as AnvilProcess;
    const n = await waitFor("the wrapped anvil to answer", () => blockNumber(running).catch(() => undefined));
    expect(n).toBe(4);
    expect(stderr).toMatch(/was cut short .* restored the last whole state/);
    await mine(running, 2);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(isWholeJson(file)).toBe(true);
    anvil = await launchAnvil({ args: ["--state", file] });
    expect(await blockNumber(anvil)).toBe(6);
  });
});
