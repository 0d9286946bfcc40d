/**
 * `IAttributionLedger.InferenceStatus`: 0 None · 1 Recorded · 2 Verified (re-check found the attribution
 * honest) · 3 Disputed (dishonest).
 */
export const INFERENCE_STATUS = { recorded: 1, verified: 2, disputed: 3 } as const;
export type InferenceStatus = keyof typeof INFERENCE_STATUS;

export const inferenceStatuses: readonly InferenceStatus[] = ["recorded", "verified", "disputed"];

const BY_CODE: readonly InferenceStatus[] = ["recorded", "recorded", "verified", "disputed"];

/** The contract's uint8 as a name; None and unknown values read as `recorded` (nothing decided). */
export function decodeInferenceStatus(code: number | bigint): InferenceStatus {
  return BY_CODE[Number(code)] ?? "recorded";
}

/** A stored name back to the name type; undefined when it is none of the three. */
export function parseInferenceStatus(name: string): InferenceStatus | undefined {
  return (inferenceStatuses as readonly string[]).includes(name) ? (name as InferenceStatus) : undefined;
}
