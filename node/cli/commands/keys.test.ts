import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../../test/harness/tempDir.ts";
import { decryptKeystore, readKeystoreFile } from "../../keys/keystore.ts";

const entry = new URL("../olnode.ts", import.meta.url).pathname;
const dir = makeTempDir("olnode-keys-cli-");
const env = { OLNODE_KEYSTORE_SCRYPT_N: "4096", OLNODE__DATA_DIR: join(dir, "data") };
function olnode(args: string[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OLNODE")));
  const r = spawnSync(process.execPath, [entry, ...args], {
    encoding: "utf8",
    env: { ...clean, ...env },
    input: "",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const pwFile = join(dir, "pw");
writeFileSync(pwFile, "s3cret-pass\n", { mode: 0o600 });

describe("olnode keys (as a process)", () => {
  it("new writes a 0600 keystore, prints only the address, and refuses to overwrite", async () => {
    const r = olnode(["keys", "new", "--password-file", pwFile]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const { address, keystore } = JSON.parse(r.stdout);
    expect(keystore).toBe(join(dir, "data", "keys", "operator.json"));
    expect(statSync(keystore).mode & 0o777).toBe(0o600);
    const key = await decryptKeystore(readKeystoreFile(keystore), "s3cret-pass");
    expect(privateKeyToAddress(key).toLowerCase()).toBe(address);
    expect(r.stdout).not.toContain(key.slice(2));

    const again = olnode(["keys", "new", "--password-file", pwFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists; refusing to overwrite");

    const show = olnode(["keys", "show"]);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).operator.address).toBe(address);
  });

  it("import takes a raw key file and re-encrypts it", async () => {
    const raw = join(dir, "raw.key");
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    writeFileSync(raw, `${key}\n`, { mode: 0o600 });
    const out = join(dir, "imported.json");
    const r = olnode([
      "keys",
      "import",
      "--private-key-file",
      raw,
      "--keystore",
      out,
      "--password-file",
      pwFile,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).address).toBe(privateKeyToAddress(key).toLowerCase());
    expect(readFileSync(out, "utf8")).not.toContain(key.slice(2));
    expect(await decryptKeystore(readKeystoreFile(out), "s3cret-pass")).toBe(key);
  });

  it("fails clearly without a password source and with a bad key file", () => {
    const noPw = olnode(["keys", "new", "--keystore", join(dir, "x.json")]);
    expect(noPw.code).toBe(1);
    expect(noPw.stderr).toContain("no terminal to ask on");
    const bad = join(dir, "bad.key");
    writeFileSync(bad, "hello");
    const r = olnode([
      "keys",
      "import",
      "--private-key-file",
      bad,
      "--keystore",
      join(dir, "y.json"),
      "--password-file",
      pwFile,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not hold a private key");
    expect(olnode(["keys", "import", "--keystore", join(dir, "z.json")]).code).toBe(2);
  });
});
