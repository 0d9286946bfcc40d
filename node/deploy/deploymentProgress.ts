import { existsSync, readFileSync } from "node:fs";
import type { Address, Hash, Hex } from "viem";
import { writeSecretFile } from "../keys/keystore.ts";
import { DeploymentProgressError } from "./deployErrors.ts";

/**
 * One step of a deployment as the progress file records it. `sent` is written before the transaction is
 * broadcast (the durable record runs ahead of the world): a run killed after signing finds the signed
 * transaction and its nonce, and either sees it mined, re-broadcasts it, or knows the nonce went elsewhere.
 */
export type StepRecord =
  | { status: "sent"; nonce: number; hash: Hash; raw: Hex; address?: Address }
  | { status: "done"; nonce: number; hash: Hash; block: number; address?: Address };

export type DeploymentProgress = {
  version: 1;
  chainId: number;
  deployer: Address;
  /** The parameters the deployment was started with (bigints as decimal strings). */
  params: Record<string, string | number>;
  steps: Record<string, StepRecord>;
  /** Set once every step is done and the deployment verified. */
  completedAt?: string;
};

export function readDeploymentProgress(path: string): DeploymentProgress | undefined {
  if (!existsSync(path)) return undefined;
  let progress: DeploymentProgress;
  try {
    progress = JSON.parse(readFileSync(path, "utf8")) as DeploymentProgress;
  } catch (error) {
    throw new DeploymentProgressError(`The deployment progress file ${path} is not valid JSON.`, {
      cause: error,
      hint: "It is written atomically, so this is damage from outside: restore it from a backup, or move it away to start a new deployment.",
    });
  }
  if (
    progress?.version !== 1 ||
    typeof progress.chainId !== "number" ||
    typeof progress.deployer !== "string" ||
    typeof progress.steps !== "object" ||
    progress.steps === null
  ) {
    throw new DeploymentProgressError(`${path} is not an olnode deployment progress file (version 1).`, {
      hint: "Pass another --out, or move the file away.",
    });
  }
  return progress;
}

/** Atomic (temp file, fsync, rename): a kill at any moment leaves the previous or the new record, never half. */
export function writeDeploymentProgress(path: string, progress: DeploymentProgress): void {
  writeSecretFile(path, `${JSON.stringify(progress, null, 2)}\n`);
}
