import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { chunkContribution } from "../chunks/chunkContribution.ts";
import { createChunkStore } from "./createChunkStore.ts";

const dir = await mkdtemp(join(tmpdir(), "olnode-store-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const common = createTestCommon();

describe("chunk store", () => {
  it("keeps bans across a reopen and drops the expired ones", async () => {
    const path = join(dir, "bans");
    const store = await createChunkStore(common, { path });
    await store.putBan({ peerId: "12D3KooWlong", untilMs: 5_000, reason: "bad_rpc" });
    await store.putBan({ peerId: "12D3KooWshort", untilMs: 1_500, reason: "flood" });
    await store.putBan({ peerId: "12D3KooWgone", untilMs: 9_000, reason: "x" });
    await store.deleteBan("12D3KooWgone");
    await store.close();
    const again = await createChunkStore(common, { path });
    expect(await again.listBans(1_000)).toEqual([
      { peerId: "12D3KooWlong", untilMs: 5_000, reason: "bad_rpc" },
      { peerId: "12D3KooWshort", untilMs: 1_500, reason: "flood" },
    ]);
    expect((await again.listBans(2_000)).map((b) => b.peerId)).toEqual(["12D3KooWlong"]);
    // The expired one was deleted, not only skipped.
    expect((await again.listBans(0)).map((b) => b.peerId)).toEqual(["12D3KooWlong"]);
    expect((await again.verifyIntegrity()).ok).toBe(true);
    await again.close();
  });
  it("tracks completeness, serves chunks with proofs, and reassembles the contribution", async () => {
    const store = await createChunkStore(common, { path: join(dir, "a") });
    const bytes = randomBytes(10_000);
    const c = chunkContribution({ datanetId: 4n, bytes, chunkBytes: 3_000 });
    expect(await store.missingIndices(c.dataRoot, 4)).toEqual([0, 1, 2, 3]);
    for (const i of [2, 0, 3]) expect((await store.putChunk(c.messages[i]!)).complete).toBe(false);
    expect(await store.readContribution(c.dataRoot)).toBeUndefined();
    expect(await store.missingIndices(c.dataRoot, 4)).toEqual([1]);
    expect((await store.putChunk(c.messages[2]!)).added).toBe(false);
    const last = await store.putChunk(c.messages[1]!);
    expect(last).toMatchObject({ added: true, complete: true });
    expect(Buffer.from((await store.readContribution(c.dataRoot))!).equals(bytes)).toBe(true);
    const served = await store.getChunk(c.dataRoot, 1);
    expect(served?.proof.length).toBe(c.messages[1]!.proof.length);
    expect(served?.datanetId).toBe(4n);
    expect((await store.listContributions(4n)).map((r) => r.dataRoot)).toEqual([c.dataRoot]);
    expect(await store.listContributions(5n)).toEqual([]);
    expect(store.totals()).toEqual({ chunkBytes: 10_000, chunks: 4, contributions: 1 });
    await store.close();
  });

  it("stores identical chunks once, and pruning keeps chunks another contribution still uses", async () => {
    const store = await createChunkStore(common, { path: join(dir, "b") });
    const shared = randomBytes(1_000);
    const a = chunkContribution({
      datanetId: 1n,
      bytes: Buffer.concat([shared, randomBytes(1_000)]),
      chunkBytes: 1_000,
    });
    const b = chunkContribution({
      datanetId: 1n,
      bytes: Buffer.concat([shared, randomBytes(500)]),
      chunkBytes: 1_000,
    });
    for (const m of [...a.messages, ...b.messages]) await store.putChunk(m);
    expect(store.totals()).toEqual({ chunkBytes: 2_500, chunks: 3, contributions: 2 });
    expect(await store.pruneContribution(a.dataRoot)).toBe(true);
    expect(await store.pruneContribution(a.dataRoot)).toBe(false);
    expect(store.totals()).toEqual({ chunkBytes: 1_500, chunks: 2, contributions: 1 });
    expect(await store.getContribution(a.dataRoot)).toBeUndefined();
    expect((await store.putChunk(a.messages[1]!)).added).toBe(false);
    expect(
      Buffer.from((await store.readContribution(b.dataRoot))!)
        .subarray(0, 1_000)
        .equals(shared),
    ).toBe(true);
    expect(await store.verifyIntegrity()).toMatchObject({ ok: true });
    await store.close();
    // Size accounting survives a reopen.
    const again = await createChunkStore(common, { path: join(dir, "b") });
    expect(again.totals()).toEqual({ chunkBytes: 1_500, chunks: 2, contributions: 1 });
    // Accepted again after the rejection: its chunks are taken again, and only then.
    expect((await again.putChunk(a.messages[0]!)).added).toBe(false);
    expect(await again.unpruneContribution(a.dataRoot)).toBe(true);
    expect(await again.unpruneContribution(a.dataRoot)).toBe(false);
    for (const m of a.messages) expect((await again.putChunk(m)).added).toBe(true);
    expect(await again.getContribution(a.dataRoot)).toMatchObject({ complete: true });
    expect(await again.verifyIntegrity()).toMatchObject({ ok: true });
    await again.close();
  });

  it("reopens consistent after the writing process is killed with SIGKILL mid-batch", async () => {
    const path = join(dir, "crash");
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "..", "..", "test", "fixtures", "writeUntilKilled.ts"), path],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let acked = 0;
    let buffered = "";
    await new Promise<void>((resolve, reject) => {
      child.on("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
      child.stdout.on("data", (data: Buffer) => {
        buffered += data.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) acked = Math.max(acked, Number(line.slice(3)));
        if (acked >= 300) resolve();
      });
    });
    child.removeAllListeners("exit");
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const store = await createChunkStore(common, { path });
    const report = await store.verifyIntegrity();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    // Every write the child saw acknowledged is there (shared chunks are stored once, so count entries).
    const records = await store.listContributions();
    expect(records.reduce((n, r) => n + r.present, 0)).toBeGreaterThanOrEqual(acked);
    await store.close();
  });

  it("says which directory it could not open", async () => {
    const path = join(dir, "locked");
    const first = await createChunkStore(common, { path });
    await expect(createChunkStore(common, { path })).rejects.toThrow(/Cannot open the chunk store/);
    await first.close();
  });
});
