import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../test/harness/tempDir.ts";
import {
  decryptKeystore,
  encryptKeystore,
  keystoreAddress,
  parseKeystore,
  readKeystoreFile,
  writeSecretFile,
} from "./keystore.ts";

const dir = makeTempDir("olnode-keys-");
const n = 1 << 12; // tests only: the default is 2^18

describe("keystore", () => {
  it("round-trips a key, and refuses a wrong password", async () => {
    const key = generatePrivateKey();
    const ks = await encryptKeystore(key, "correct horse", { n });
    expect(keystoreAddress(ks)).toBe(privateKeyToAddress(key).toLowerCase());
    expect(JSON.stringify(ks)).not.toContain(key.slice(2));
    expect(await decryptKeystore(ks, "correct horse")).toBe(key);
    await expect(decryptKeystore(ks, "wrong")).rejects.toThrow(/Wrong password/);
  });

  it("decrypts the Web3 Secret Storage v3 reference vector (scrypt)", async () => {
    // The published test vector of the Web3 Secret Storage definition (password "testpassword").
    const vector = {
      crypto: {
        cipher: "aes-128-ctr",
        cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
        ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
        kdf: "scrypt",
        kdfparams: {
          dklen: 32,
          n: 262144,
          p: 8,
          r: 1,
          salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
        },
        mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
      },
      id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
      version: 3,
    };
    const ks = parseKeystore(JSON.stringify(vector), "vector");
    expect(await decryptKeystore(ks, "testpassword")).toBe(
      "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
    );
  });

  it("decrypts the Web3 Secret Storage v3 reference vector (pbkdf2)", async () => {
    const vector = {
      crypto: {
        cipher: "aes-128-ctr",
        cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
        ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
        kdf: "pbkdf2",
        kdfparams: {
          c: 262144,
          dklen: 32,
          prf: "hmac-sha256",
          salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
        },
        mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
      },
      id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
      version: 3,
    };
    expect(await decryptKeystore(parseKeystore(JSON.stringify(vector), "vector"), "testpassword")).toBe(
      "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
    );
  });

  it("writes secret files 0600 atomically and refuses group/world-readable keystores", async () => {
    const ks = await encryptKeystore(generatePrivateKey(), "pw", { n });
    const path = join(dir, "operator.json");
    writeSecretFile(path, JSON.stringify(ks));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readKeystoreFile(path).address).toBe(ks.address);
    const loose = join(dir, "loose.json");
    writeFileSync(loose, JSON.stringify(ks), { mode: 0o644 });
    expect(() => readKeystoreFile(loose)).toThrow(/readable by other users.*\n.*\n?.*chmod 600/s);
  });

  it("gives clear errors for missing, non-JSON and foreign files", () => {
    expect(() => readKeystoreFile(join(dir, "missing.json"))).toThrow(/Cannot read the keystore .*ENOENT/);
    expect(() => parseKeystore("nope", "x.json")).toThrow(/not JSON/);
    expect(() => parseKeystore('{"version":1}', "x.json")).toThrow(/not a version 3 keystore/);
  });
});
