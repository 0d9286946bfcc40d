import {
  createCipheriv,
  createDecipheriv,
  pbkdf2Sync,
  randomBytes,
  randomUUID,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { scryptAsync as nobleScrypt } from "@noble/hashes/scrypt.js";
import { bytesToHex, type Hex, hexToBytes, keccak256 } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";

/**
 * Encrypted operator keys in the Web3 Secret Storage v3 format (what geth, clef and ethers write), so an
 * operator can bring an existing keystore and take ours elsewhere. scrypt + aes-128-ctr, MAC = keccak256.
 */
export type KeystoreV3 = {
  version: 3;
  id: string;
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: "scrypt" | "pbkdf2";
    kdfparams:
      | { dklen: number; n: number; r: number; p: number; salt: string }
      | { dklen: number; c: number; prf: "hmac-sha256"; salt: string };
    mac: string;
  };
};

export class KeystoreError extends NonRetryableUserError {
  override name = "KeystoreError";
}

/** geth's "standard" scrypt cost: ~1 s and 256 MiB to unlock, which is the point. */
export const STANDARD_SCRYPT_N = 1 << 18;

async function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number, dklen: number) {
  const pw = password.normalize("NFKC");
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      scrypt(pw, salt, dklen, { N: n, r, p, maxmem: 256 * n * r + 64 * 1024 * 1024 }, (e, key) =>
        e ? reject(e) : resolve(key),
      ),
    );
  } catch {
    // OpenSSL enforces RFC 7914's N < 2^(16r); some keystores in the wild (the spec's own example, r = 1)
    // break it. A slower pure-JS scrypt opens them anyway.
    return Buffer.from(await nobleScrypt(pw, salt, { N: n, r, p, dkLen: dklen, maxmem: 2 ** 32 }));
  }
}

const mac = (derived: Buffer, ciphertext: Buffer) =>
  Buffer.from(hexToBytes(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]))));

export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  opts: { n?: number } = {},
): Promise<KeystoreV3> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey))
    throw new KeystoreError("Not a private key: expected 32 bytes of hex.");
  if (password.length === 0) throw new KeystoreError("Refusing to encrypt a key with an empty password.");
  const n = opts.n ?? STANDARD_SCRYPT_N;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = await scryptAsync(password, salt, n, 8, 1, 32);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: iv.toString("hex") },
      ciphertext: ciphertext.toString("hex"),
      kdf: "scrypt",
      kdfparams: { dklen: 32, n, r: 8, p: 1, salt: salt.toString("hex") },
      mac: mac(derived, ciphertext).toString("hex"),
    },
  };
}

export function parseKeystore(text: string, source: string): KeystoreV3 {
  let json: KeystoreV3;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeystoreError(`${source} is not a keystore: it is not JSON.`);
  }
  const c =
    (json as Partial<KeystoreV3>)?.crypto ?? (json as unknown as { Crypto?: KeystoreV3["crypto"] }).Crypto;
  if (json?.version !== 3 || !c || c.cipher !== "aes-128-ctr" || !["scrypt", "pbkdf2"].includes(c.kdf)) {
    throw new KeystoreError(`${source} is not a version 3 keystore with aes-128-ctr and scrypt/pbkdf2.`, {
      hint: "Create one with `olnode keys new`, or import a raw key with `olnode keys import --private-key-file`.",
    });
  }
  return { ...json, crypto: c };
}

export async function decryptKeystore(keystore: KeystoreV3, password: string): Promise<Hex> {
  const c = keystore.crypto;
  const kp = c.kdfparams;
  const salt = Buffer.from(kp.salt, "hex");
  let derived: Buffer;
  if (c.kdf === "scrypt" && "n" in kp) {
    if (kp.n > 1 << 20 || kp.r > 16 || kp.p > 16)
      throw new KeystoreError("Keystore scrypt parameters are unreasonably large.");
    derived = await scryptAsync(password, salt, kp.n, kp.r, kp.p, kp.dklen);
  } else if (c.kdf === "pbkdf2" && "c" in kp) {
    derived = pbkdf2Sync(password.normalize("NFKC"), salt, kp.c, kp.dklen, "sha256");
  } else {
    throw new KeystoreError("Keystore kdfparams do not match its kdf.");
  }
  const ciphertext = Buffer.from(c.ciphertext, "hex");
  const expected = Buffer.from(c.mac, "hex");
  const actual = mac(derived, ciphertext);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new KeystoreError("Wrong password for this keystore (MAC mismatch).", {
      hint: "Check the password file (worker.passwordFile) or the password you typed.",
    });
  }
  const decipher = createDecipheriv(
    "aes-128-ctr",
    derived.subarray(0, 16),
    Buffer.from(c.cipherparams.iv, "hex"),
  );
  const key = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (
    keystore.address &&
    privateKeyToAddress(key).slice(2).toLowerCase() !== keystore.address.toLowerCase().replace(/^0x/, "")
  ) {
    throw new KeystoreError("The keystore's address does not match its decrypted key: the file is corrupt.");
  }
  return key;
}

/**
 * Writes a secret file atomically with mode 0600 (temp file in the same directory, fsync, rename), so a crash
 * never leaves a half-written key and no other user can ever read it, not even briefly.
 */
export function writeSecretFile(path: string, content: string): void {
  const tmp = join(dirname(path), `.${Date.now()}-${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Reads a keystore file, refusing one that other users could read (as ssh does with private keys). */
export function readKeystoreFile(path: string): KeystoreV3 {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      throw new KeystoreError(`${path} is readable by other users (mode ${mode.toString(8)}).`, {
        hint: `Run \`chmod 600 ${path}\`.`,
      });
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof KeystoreError) throw error;
    throw new KeystoreError(`Cannot read the keystore ${path}: ${(error as NodeJS.ErrnoException).code}.`, {
      hint: "Create one with `olnode keys new`, or set worker.keystoreFile.",
    });
  }
  return parseKeystore(text, path);
}

export function keystoreAddress(keystore: KeystoreV3): `0x${string}` {
  return `0x${keystore.address.replace(/^0x/, "").toLowerCase()}`;
}
