import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { Commitment, CommitmentChange, CommitmentSource } from "./commitmentSource.ts";

export type MemoryCommitmentSource = CommitmentSource & {
  /** Records a commitment and notifies listeners, as a new `ContributionSubmitted` log would. */
  commit(commitment: Commitment): void;
  /** Changes a commitment's status (e.g. quorum rejected it) and notifies listeners. */
  setStatus(dataRoot: Hash, status: NonNullable<Commitment["status"]>): void;
  /** Takes a commitment off the chain, as a reorg would, and notifies listeners. */
  remove(dataRoot: Hash): void;
};

/** An in-memory CommitmentSource for tests, benchmarks and the devnet before the chain is wired in. */
export function createMemoryCommitmentSource(initial: Commitment[] = []): MemoryCommitmentSource {
  const byRoot = new Map<string, Commitment>();
  const listeners = new Set<(change: CommitmentChange) => void>();
  for (const c of initial) byRoot.set(c.dataRoot.toLowerCase(), c);
  const notify = (change: CommitmentChange) => {
    for (const l of listeners) l(change);
  };
  return {
    async getCommitment(dataRoot) {
      return byRoot.get(dataRoot.toLowerCase());
    },
    onCommitment(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async listCommitments(datanetId) {
      return [...byRoot.values()].filter((c) => c.datanetId === datanetId && c.status !== "rejected");
    },
    commit(commitment) {
      byRoot.set(commitment.dataRoot.toLowerCase(), commitment);
      notify({ type: "committed", commitment });
    },
    setStatus(dataRoot, status) {
      const c = byRoot.get(dataRoot.toLowerCase());
      if (!c) return;
      const next = { ...c, status };
      byRoot.set(dataRoot.toLowerCase(), next);
      notify({ type: "committed", commitment: next });
    },
    remove(dataRoot) {
      if (byRoot.delete(dataRoot.toLowerCase())) notify({ type: "removed", dataRoot });
    },
  };
}
