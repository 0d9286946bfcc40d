import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { afterAll, describe, expect, it } from "vitest";
import { createTestCommon } from "../../config/common/createCommon.ts";
import { loadPeerKey, PeerKeyFileError } from "./loadPeerKey.ts";

const dir = await mkdtemp(join(tmpdir(), "olnode-key-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const common = createTestCommon();

describe("peer key file", () => {
  it("creates a 0600 key once and loads the same identity afterwards", async () => {
    const path = join(dir, "sub", "peer.key");
    const first = await loadPeerKey(common, path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const second = await loadPeerKey(common, path);
    expect(peerIdFromPrivateKey(second).toString()).toBe(peerIdFromPrivateKey(first).toString());
  });
  it("fails with a clear error on a corrupt or mismatched file, and never overwrites it", async () => {
    const path = join(dir, "corrupt.key");
    await writeFile(path, "{not json", { mode: 0o600 });
    await expect(loadPeerKey(common, path)).rejects.toThrow(PeerKeyFileError);
    await expect(loadPeerKey(common, path)).rejects.toThrow(/corrupt/);
    expect(await readFile(path, "utf8")).toBe("{not json");
    const good = join(dir, "good.key");
    await loadPeerKey(common, good);
    const parsed = JSON.parse(await readFile(good, "utf8"));
    await writeFile(good, JSON.stringify({ ...parsed, peerId: "12D3KooWother" }));
    await expect(loadPeerKey(common, good)).rejects.toThrow(/holds a key for/);
  });
  it("reports an unreadable file instead of replacing the identity", async () => {
    if (process.getuid?.() === 0) return; // root reads anything; the permission case cannot happen
    const path = join(dir, "locked.key");
    await loadPeerKey(common, path);
    await chmod(path, 0o000);
    await expect(loadPeerKey(common, path)).rejects.toThrow(/Cannot read the peer key file/);
  });
});
