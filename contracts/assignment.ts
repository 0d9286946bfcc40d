import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";
import { NonRetryableUserError } from "../config/errors/BaseError.ts";
import type { SubjectKind } from "./enums/subjectKind.ts";

/**
 * The pure TypeScript mirror of EpochManager's assignment rule, so a worker can find its subjects without a
 * call per subject:
 *
 *   assigned  ⇔  uint256(keccak256(abi.encode(seed, kind, subjectId, worker))) < threshold
 *   threshold = n <= k ? 2^256 - 1 : floor((2^256 - 1) / n) * k
 *
 * with n the epoch's active-worker snapshot and k its validators per subject (both in EpochStarted). Each of
 * the n workers is then assigned with probability ≈ k / n, so a subject expects k validators.
 */
const MAX_UINT256 = (1n << 256n) - 1n;

export class AssignmentInputError extends NonRetryableUserError {
  override name = "AssignmentInputError";
}

export function assignmentThreshold(activeWorkers: bigint | number, k: bigint | number): bigint {
  const n = BigInt(activeWorkers);
  const kk = BigInt(k);
  if (n < 0n || kk < 1n) {
    throw new AssignmentInputError(`Invalid assignment size: ${n} active workers, k = ${kk}.`, {
      hint: "Pass the epoch's activeWorkers (>= 0) and validatorsPerSubject (>= 1) from EpochStarted.",
    });
  }
  if (n <= kk) return MAX_UINT256;
  return (MAX_UINT256 / n) * kk;
}

export type AssignmentSubject = {
  seed: Hex;
  kind: SubjectKind;
  subjectId: bigint;
  worker: Address;
};

export function assignmentHash(subject: AssignmentSubject): bigint {
  return BigInt(
    keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "uint8" }, { type: "uint256" }, { type: "address" }],
        [subject.seed, subject.kind, subject.subjectId, subject.worker],
      ),
    ),
  );
}

export type IsAssignedParameters = AssignmentSubject &
  ({ activeWorkers: bigint | number; k: bigint | number } | { threshold: bigint });

/** True when `worker` is assigned the subject in the epoch whose seed (and n, k or threshold) are given. */
export function isAssigned(parameters: IsAssignedParameters): boolean {
  const threshold =
    "threshold" in parameters
      ? parameters.threshold
      : assignmentThreshold(parameters.activeWorkers, parameters.k);
  return assignmentHash(parameters) < threshold;
}

/** Votes one verdict needs to finalize a subject: min(quorum, n), at least 1 (EpochManager._quorum). */
export function effectiveQuorum(activeWorkers: bigint | number, quorum: bigint | number): number {
  const n = Number(activeWorkers);
  const q = Number(quorum);
  if (n === 0) return 1;
  return Math.min(q, n);
}
