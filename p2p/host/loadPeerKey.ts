import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import type { Common } from "../../config/common/createCommon.ts";
import { NonRetryableUserError } from "../../config/errors/BaseError.ts";

export class PeerKeyFileError extends NonRetryableUserError {
  override name = "PeerKeyFileError";
}

/** The key file: JSON so an operator can see which peer id it holds; the key itself never reaches a log. */
type PeerKeyFile = { type: "olnode-libp2p-key"; version: 1; peerId: string; privateKey: string };

/**
 * Loads the node's libp2p identity from `path`, creating an Ed25519 key (mode 0600, written to a temp file
 * and renamed so a crash never leaves half a key) when there is none. The same file gives the same peer id
 * after a restart, which is what on-chain worker registrations and other nodes' bootstrap lists refer to.
 */
export async function loadPeerKey(common: Common, path: string): Promise<PrivateKey> {
  let raw: string | undefined;
  try {
    raw = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new PeerKeyFileError(`Cannot read the peer key file ${path}.`, {
        cause: error,
        hint: "Check the file's owner and permissions (it should be 0600 and owned by the node's user).",
      });
    }
  }
  if (raw === undefined) return createPeerKey(common, path);

  const mode = (await stat(path)).mode & 0o777;
  if (mode & 0o077) {
    common.logger.warn({
      msg: "Peer key file is readable by others",
      path,
      mode: mode.toString(8),
      fix: "chmod 600",
    });
  }
  let parsed: PeerKeyFile;
  let key: PrivateKey;
  try {
    parsed = JSON.parse(raw) as PeerKeyFile;
    if (parsed.type !== "olnode-libp2p-key" || parsed.version !== 1)
      throw new Error("not an olnode peer key file");
    key = privateKeyFromProtobuf(Buffer.from(parsed.privateKey, "base64"));
  } catch (cause) {
    throw new PeerKeyFileError(`The peer key file ${path} is corrupt.`, {
      cause,
      hint: "Restore it from a backup to keep this node's peer id, or move it away to create a new identity.",
    });
  }
  const peerId = peerIdFromPrivateKey(key).toString();
  if (peerId !== parsed.peerId) {
    throw new PeerKeyFileError(`The peer key file ${path} holds a key for ${peerId}, not ${parsed.peerId}.`, {
      hint: "The file was edited or damaged; restore it from a backup or move it away to create a new identity.",
    });
  }
  return key;
}

async function createPeerKey(common: Common, path: string): Promise<PrivateKey> {
  const key = await generateKeyPair("Ed25519");
  const file: PeerKeyFile = {
    type: "olnode-libp2p-key",
    version: 1,
    peerId: peerIdFromPrivateKey(key).toString(),
    privateKey: Buffer.from(privateKeyToProtobuf(key)).toString("base64"),
  };
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "w" });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (cause) {
    throw new PeerKeyFileError(`Cannot write a new peer key file at ${path}.`, {
      cause,
      hint: "Make sure the directory exists and is writable by the node's user.",
    });
  }
  common.logger.info({ msg: "Created a new libp2p identity", path, peerId: file.peerId });
  return key;
}
