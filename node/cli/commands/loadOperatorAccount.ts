import { existsSync } from "node:fs";
import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ConfigError } from "../../../config/ConfigError.ts";
import type { Config } from "../../../config/loadConfig.ts";
import { decryptKeystore, readKeystoreFile } from "../../keys/keystore.ts";
import { operatorKeystorePath } from "../../keys/operatorKeyPaths.ts";
import { obtainPassword } from "../../keys/readPassword.ts";

/** Unlocks the operator keystore named by the config; the key stays in memory only. */
export async function loadOperatorAccount(
  config: Config,
  keystoreOverride?: string,
  passwordFileOverride?: string,
): Promise<LocalAccount> {
  const path = keystoreOverride ?? operatorKeystorePath(config);
  if (!existsSync(path)) {
    throw new ConfigError([
      {
        field: "worker.keystoreFile",
        source: config.sources["worker.keystoreFile"] ?? "default",
        problem: `no operator keystore at ${path}: create one with \`olnode keys new\`, or set worker.enabled=false`,
      },
    ]);
  }
  const keystore = readKeystoreFile(path);
  const password = await obtainPassword(passwordFileOverride ?? config.worker.passwordFile, false);
  return privateKeyToAccount(await decryptKeystore(keystore, password));
}
