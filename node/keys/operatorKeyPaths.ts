import { join } from "node:path";
import type { Config } from "../../config/loadConfig.ts";

/** Where the operator keystore lives: worker.keystoreFile, else <dataDir>/keys/operator.json. */
export function operatorKeystorePath(config: Config): string {
  return config.worker.keystoreFile ?? join(config.dataDir, "keys", "operator.json");
}

/** Where the libp2p identity lives: p2p.keyFile, else <dataDir>/p2p/identity.key. */
export function p2pKeyPath(config: Config): string {
  return config.p2p.keyFile ?? join(config.dataDir, "p2p", "identity.key");
}
