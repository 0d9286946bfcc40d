/**
 * `EpochManager.VERDICT_ACCEPT` / `VERDICT_REJECT`: a worker's attestation. For a contribution accept /
 * reject; for an inference re-check honest / dishonest. 0 is no verdict (the contract refuses it).
 */
export const VERDICT = { accept: 1, reject: 2 } as const;
export type Verdict = (typeof VERDICT)[keyof typeof VERDICT];
export type VerdictName = keyof typeof VERDICT;

/** An event's or a row's verdict; undefined for anything but 1 and 2. */
export function decodeVerdict(code: number | bigint | string): Verdict | undefined {
  const n = Number(code);
  return n === 1 || n === 2 ? n : undefined;
}

export const verdictName = (verdict: Verdict): VerdictName =>
  verdict === VERDICT.accept ? "accept" : "reject";
