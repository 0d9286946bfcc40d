import type { Hash } from "../../contracts/merkle/chunkTree.ts";
import type { Commitment, CommitmentSource } from "./commitmentSource.ts";

export type MemoryCommitmentSource = CommitmentSource & {
  /** Records a commitment and notifies listeners, as a new `ContributionSubmitted` log would. */
  commit(commitment: Commitment): void;
  /** Changes a commitment's status (e.g. quorum rejected it) and notifies listeners. */
  setStatus(dataRoot: Hash, status: NonNullable<Commitment["status"]>): void;
};

/** An in-memory CommitmentSource for tests, benchmarks and the devnet before the chain is wired in. */
export function createMemoryCommitmentSource(initial: Commitment[] = []): MemoryCommitmentSource {
  const byRoot = new Map<string, Commitment>();
  const listeners = new Set<(commitment: Commitment) => void>();
  for (const c of initial) byRoot.set(c.dataRoot.toLowerCase(), c);
  const notify = (c: Commitment) => {
    for (const l of listeners) l(c);
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
      return [...byRoot.values()].filter((c) => c.datanetId === datanetId);
    },
    commit(commitment) {
      byRoot.set(commitment.dataRoot.toLowerCase(), commitment);
      notify(commitment);
    },
    setStatus(dataRoot, status) {
      const c = byRoot.get(dataRoot.toLowerCase());
      if (!c) return;
      const next = { ...c, status };
      byRoot.set(dataRoot.toLowerCase(), next);
      notify(next);
    },
  };
}
