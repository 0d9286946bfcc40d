import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../test/harness/tempDir.ts";
import { COMMANDS } from "./commands.ts";

const entry = new URL("./olnode.ts", import.meta.url).pathname;
function olnode(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE")));
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: "utf8", env: { ...clean, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("olnode CLI (as a process)", () => {
  it("lists every command in --help", () => {
    const r = olnode(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c.name.join(" "));
  });

  it.each(COMMANDS.map((c) => [c.name.join(" "), c] as const))("`%s --help` prints its usage", (_, c) => {
    const r = olnode([...c.name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: ${c.usage}`);
  });

  it("exits 2 on an unknown command or flag, naming it", () => {
    const a = olnode(["frobnicate"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown command "frobnicate"');
    const b = olnode(["config", "check", "--frob"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("Unknown option '--frob'");
  });

  it("config check exits 0 on a valid config and prints sources, secrets masked", () => {
    const r = olnode(["config", "check"], { DATABASE_URL: "postgres://u:topsecret@db:5432/x" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("env DATABASE_URL");
    expect(r.stdout).not.toContain("topsecret");
  });

  it("config check never prints a password or an RPC key, valid or not (issue 19)", () => {
    const cases: [Record<string, string>, number][] = [
      [{ DATABASE_URL: "postgres://u:pa#ss@h/db" }, 3],
      [{ DATABASE_URL: "postgres://u:pa55word@h:99999/db" }, 3],
      [{ DATABASE_URL: "mysql://u:pa55word@h/db" }, 3],
      [{ OLNODE__CHAIN__L2_RPC_URL: "https://user:pa55word@rpc.example.com" }, 0],
      [{ OLNODE__CHAIN__L2_RPC_URL: "https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161" }, 0],
      [{ OLNODE__CHAIN__L2_RPC_URL: "ftp://rpc.example.com/v3/9aa3d95b3bc440fa88ea12eaa4456161" }, 3],
      [{ OLNODE__CHAIN__ROLLUP_RPC_URL: "https://rpc.example.com/?apikey=pa55word" }, 0],
    ];
    for (const [env, code] of cases) {
      const r = olnode(["config", "check"], env);
      expect(r.code, JSON.stringify(env)).toBe(code);
      const printed = r.stdout + r.stderr;
      expect(printed).not.toMatch(/pa#ss|pa55word|9aa3d95b3bc440fa88ea12eaa4456161/);
      expect(printed).toMatch(/@h[:/]|rpc\.example\.com|infura\.io/);
    }
    // A budget, not a speed target: one olnode process per case (60 s seen at load 9).
  }, 300_000);

  it("config check exits 3 with a one-line error naming field and source", () => {
    const r = olnode(["config", "check"], { OLNODE__HTTP__PORT: "99999" });
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("http.port (env OLNODE__HTTP__PORT)");
  });

  it("config check reads --config files and reports their errors with the path", () => {
    const dir = makeTempDir("olnode-cli-");
    const file = join(dir, "olnode.json");
    writeFileSync(file, JSON.stringify({ network: "testnet", p2p: { maxConnections: 0 } }));
    const r = olnode(["config", "check", "--config", file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`p2p.maxConnections (file ${file})`);
  });
});
