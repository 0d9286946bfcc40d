/**
 * `IDatanetRegistry.ContributionStatus` — the one mapping between the contract's uint8 and the names the
 * indexer stores, p2p's commitments carry and the REST API filters by.
 *
 *   0 None (no such contribution) · 1 Pending · 2 Accepted · 3 Rejected
 */
export const CONTRIBUTION_STATUS = { pending: 1, accepted: 2, rejected: 3 } as const;
export type ContributionStatus = keyof typeof CONTRIBUTION_STATUS;
export type ContributionStatusCode = (typeof CONTRIBUTION_STATUS)[ContributionStatus];

export const contributionStatuses: readonly ContributionStatus[] = ["pending", "accepted", "rejected"];

const BY_CODE: readonly ContributionStatus[] = ["pending", "pending", "accepted", "rejected"];

/**
 * The contract's uint8 as a name. Total: None (an event never carries it; a read of a missing id does) and
 * any value the enum does not have read as `pending`, the status that promises nothing.
 */
export function decodeContributionStatus(code: number | bigint): ContributionStatus {
  return BY_CODE[Number(code)] ?? "pending";
}

/** A stored or user-given name back to the name type; undefined when it is none of the three. */
export function parseContributionStatus(name: string): ContributionStatus | undefined {
  return (contributionStatuses as readonly string[]).includes(name)
    ? (name as ContributionStatus)
    : undefined;
}
