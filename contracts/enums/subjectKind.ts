/**
 * `EpochManager.KIND_CONTRIBUTION` / `KIND_INFERENCE`: what a worker is assigned and attests. The number is
 * what the contract, the assignment hash (contracts/assignment.ts), the indexer's `kind` columns and the
 * worker's task keys carry.
 */
export const SUBJECT_KIND = { contribution: 0, inference: 1 } as const;
export type SubjectKind = (typeof SUBJECT_KIND)[keyof typeof SUBJECT_KIND];
export type SubjectKindName = keyof typeof SUBJECT_KIND;

/**
 * An event's or a row's kind as a SubjectKind. Total: the contract only emits 0 and 1; anything else reads
 * as `undefined` so the caller decides (the indexer stores it as a contribution, as it always has).
 */
export function decodeSubjectKind(code: number | bigint | string): SubjectKind | undefined {
  const n = Number(code);
  return n === 0 || n === 1 ? n : undefined;
}

export const subjectKindName = (kind: SubjectKind): SubjectKindName =>
  kind === SUBJECT_KIND.inference ? "inference" : "contribution";
