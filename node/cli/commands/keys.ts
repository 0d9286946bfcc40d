import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { createCommon } from "../../../config/common/createCommon.ts";
import { firstLine } from "../../../config/errors/firstLine.ts";
import { loadConfig } from "../../../config/loadConfig.ts";
import {
  decryptKeystore,
  encryptKeystore,
  KeystoreError,
  keystoreAddress,
  readKeystoreFile,
  STANDARD_SCRYPT_N,
  writeSecretFile,
} from "../../keys/keystore.ts";
import { operatorKeystorePath, p2pKeyPath } from "../../keys/operatorKeyPaths.ts";
import { obtainPassword, readPasswordFile } from "../../keys/readPassword.ts";
import { type Command, type CommandContext, configOption, EXIT } from "../command.ts";

const keyOptions = {
  ...configOption,
  keystore: { type: "string" },
  "password-file": { type: "string" },
} as const;

const common = [
  "  -c, --config <file>        JSON config file",
  "      --keystore <file>      keystore path (default: worker.keystoreFile, else <dataDir>/keys/operator.json)",
  "      --password-file <file> read the password from a file instead of prompting",
];

function target(ctx: CommandContext) {
  const config = loadConfig({ file: ctx.values.config as string | undefined, env: ctx.env });
  const path = (ctx.values.keystore as string | undefined) ?? operatorKeystorePath(config);
  const passwordFile = (ctx.values["password-file"] as string | undefined) ?? config.worker.passwordFile;
  return { config, path, passwordFile };
}

/** Scrypt cost; OLNODE_KEYSTORE_SCRYPT_N lowers it for tests and throwaway devnets only. */
function scryptN(env: Record<string, string | undefined>): number {
  const n = Number(env.OLNODE_KEYSTORE_SCRYPT_N);
  return Number.isInteger(n) && n >= 1024 && (n & (n - 1)) === 0 ? n : STANDARD_SCRYPT_N;
}

async function save(ctx: CommandContext, path: string, key: Hex, passwordFile: string | undefined) {
  if (existsSync(path) && !ctx.values.force) {
    throw new KeystoreError(`${path} already exists; refusing to overwrite a key.`, {
      hint: "Choose another --keystore path, or pass --force after backing the old one up.",
    });
  }
  const password = await obtainPassword(passwordFile, true);
  const keystore = await encryptKeystore(key, password, { n: scryptN(ctx.env) });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeSecretFile(path, `${JSON.stringify(keystore, null, 2)}\n`);
  ctx.stdout.write(`${JSON.stringify({ address: keystoreAddress(keystore), keystore: path })}\n`);
}

export const keysNewCommand: Command = {
  name: ["keys", "new"],
  summary: "Create an encrypted operator key (keystore file, mode 0600)",
  usage: "olnode keys new [--keystore <file>] [--password-file <file>] [--force]",
  help: [
    "Prints the new address and the keystore path; never the key.",
    "",
    "Options:",
    ...common,
    "      --force                overwrite an existing keystore",
  ].join("\n"),
  options: { ...keyOptions, force: { type: "boolean" } },
  async run(ctx) {
    const { path, passwordFile } = target(ctx);
    await save(ctx, path, generatePrivateKey(), passwordFile);
    return EXIT.ok;
  },
};

export const keysImportCommand: Command = {
  name: ["keys", "import"],
  summary: "Import an operator key from a raw key file or another v3 keystore",
  usage:
    "olnode keys import (--private-key-file <file> | --from-keystore <file> [--from-password-file <file>]) [--keystore <file>] [--password-file <file>]",
  help: [
    "Encrypts the key into the operator keystore. The raw key file is not deleted: shred it yourself.",
    "",
    "Options:",
    "      --private-key-file <file>    file holding a 0x-prefixed 32-byte hex key",
    "      --from-keystore <file>       an existing v3 keystore (geth, clef, ethers)",
    "      --from-password-file <file>  its password (prompted otherwise)",
    ...common,
    "      --force                      overwrite an existing keystore",
  ].join("\n"),
  options: {
    ...keyOptions,
    force: { type: "boolean" },
    "private-key-file": { type: "string" },
    "from-keystore": { type: "string" },
    "from-password-file": { type: "string" },
  },
  async run(ctx) {
    const { path, passwordFile } = target(ctx);
    const rawFile = ctx.values["private-key-file"] as string | undefined;
    const fromKeystore = ctx.values["from-keystore"] as string | undefined;
    if (!rawFile === !fromKeystore) {
      ctx.stderr.write("olnode keys import: pass exactly one of --private-key-file or --from-keystore.\n");
      return EXIT.usage;
    }
    let key: Hex;
    if (rawFile) {
      let text: string;
      try {
        text = readFileSync(rawFile, "utf8").trim();
      } catch (error) {
        throw new KeystoreError(`Cannot read ${rawFile}: ${(error as NodeJS.ErrnoException).code}.`);
      }
      const hex = text.startsWith("0x") ? text : `0x${text}`;
      if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
        throw new KeystoreError(`${rawFile} does not hold a private key (expected 64 hex digits).`);
      }
      key = hex.toLowerCase() as Hex;
    } else {
      const source = readKeystoreFile(fromKeystore!);
      const fromPw = ctx.values["from-password-file"] as string | undefined;
      key = await decryptKeystore(
        source,
        fromPw ? readPasswordFile(fromPw) : await obtainPassword(undefined, false),
      );
    }
    await save(ctx, path, key, passwordFile);
    return EXIT.ok;
  },
};

export const keysShowCommand: Command = {
  name: ["keys", "show"],
  summary: "Show the operator address and the libp2p peer id (no password needed)",
  usage: "olnode keys show [--keystore <file>]",
  help: [
    "Reads only public parts: the keystore's address and the p2p identity's peer id.",
    "",
    "Options:",
    ...common.slice(0, 2),
  ].join("\n"),
  options: { ...configOption, keystore: { type: "string" } },
  async run(ctx) {
    const { config, path } = target(ctx);
    const out: Record<string, unknown> = {};
    out.operator = existsSync(path)
      ? { address: keystoreAddress(readKeystoreFile(path)), keystore: path }
      : null;
    const p2pFile = p2pKeyPath(config);
    out.p2p = existsSync(p2pFile) ? { keyFile: p2pFile, peerId: await peerIdOf(p2pFile) } : null;
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    if (!out.operator)
      ctx.stderr.write(`No operator keystore at ${path}: create one with \`olnode keys new\`.\n`);
    return out.operator ? EXIT.ok : EXIT.failure;
  },
};

async function peerIdOf(file: string): Promise<string> {
  try {
    // libp2p is heavy to load: only `keys show` needs it, and only when an identity exists.
    const [{ peerIdFromPrivateKey }, { loadPeerKey }] = await Promise.all([
      import("@libp2p/peer-id"),
      import("../../../p2p/host/loadPeerKey.ts"),
    ]);
    const common = createCommon({ level: "silent", format: "json", defaultMetrics: false });
    return peerIdFromPrivateKey(await loadPeerKey(common, file)).toString();
  } catch (error) {
    return `unreadable: ${firstLine(error)}`;
  }
}
